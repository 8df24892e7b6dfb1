using System.Reflection;
using System.Runtime.Loader;

namespace MeshHost.Plugins.Loading;

/// <summary>
/// One plugin's collectible load context. The contract assemblies (the SDK, MeshHost.MessagePack,
/// Microsoft.Extensions.*.Abstractions and Microsoft.Extensions.Primitives) resolve to the host's
/// copies so the contract's types are the host's; everything else the plugin ships is loaded here,
/// privately, even when the host has another version of it. Assemblies are read into memory, so the
/// folder can be rebuilt while the plugin runs.
/// </summary>
internal sealed class PluginLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver _resolver;

    public PluginLoadContext(string pluginId, string mainAssemblyPath)
        : base("plugin:" + pluginId, isCollectible: true)
    {
        _resolver = new AssemblyDependencyResolver(mainAssemblyPath);
    }

    /// <summary>True for the assemblies every plugin shares with the host (by simple name).</summary>
    public static bool IsShared(string? name) =>
        name is SdkCompatibility.SdkAssemblyName or "MeshHost.MessagePack" or "Microsoft.Extensions.Primitives"
        || (name is not null && name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) && name.EndsWith(".Abstractions", StringComparison.Ordinal));

    /// <summary>Loads an assembly (and its .pdb when present) from an in-memory copy, so the file stays free to replace.</summary>
    public Assembly LoadCopy(string path)
    {
        using var image = new MemoryStream(File.ReadAllBytes(path));
        string pdb = Path.ChangeExtension(path, ".pdb");
        if (!File.Exists(pdb))
        {
            return LoadFromStream(image);
        }

        using var symbols = new MemoryStream(File.ReadAllBytes(pdb));
        return LoadFromStream(image, symbols);
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (IsShared(assemblyName.Name))
        {
            return null; // the host's copy, from the default context
        }

        string? path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadCopy(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        string? path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
