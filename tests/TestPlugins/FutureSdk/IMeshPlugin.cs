namespace MeshHost.Sdk;

/// <summary>The future contract's plugin interface (its shape does not matter: the host refuses the plugin before loading it).</summary>
public interface IMeshPlugin
{
    string Name { get; }
}
