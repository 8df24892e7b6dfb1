using MeshHost.Sdk;

namespace TestPlugin.Future;

/// <summary>Implements the future SDK's interface.</summary>
public sealed class FuturePlugin : IMeshPlugin
{
    public string Name => "Future";
}
