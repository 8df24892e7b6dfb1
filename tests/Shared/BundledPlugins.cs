using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.Testing;

/// <summary>
/// What the bundled-plugin tests share (linked into each plugin's test project): where the build puts
/// the bundled plugins, and the check that an unloaded plugin's load context is collected.
/// </summary>
internal static class BundledPlugins
{
    /// <summary>plugins/ next to the meshhost executable of this build's configuration (tests run from tests/X/bin/CONFIG/TFM/).</summary>
    public static string Directory()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = output.Name;
        string configuration = output.Parent!.Name;
        string repository = output.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(repository, "src", "MeshHost", "bin", configuration, framework, "plugins");
    }

    /// <summary>
    /// The plugin's folder as the build copies it: its manifest and assembly, and none of the
    /// contract assemblies the host provides (a copy would make its types differ from the host's).
    /// </summary>
    /// <returns>The folder's path.</returns>
    public static string AssertFolderHoldsThePlugin(string plugins, string pluginId, string assembly)
    {
        string folder = Path.Combine(plugins, pluginId);
        Assert.True(File.Exists(Path.Combine(folder, "plugin.json")), $"no plugin.json in {folder}: the build's copy step did not run");
        Assert.True(File.Exists(Path.Combine(folder, assembly)), $"{assembly} is not in {folder}");
        Assert.False(File.Exists(Path.Combine(folder, "MeshHost.Sdk.dll")), "the SDK was copied into the plugin's folder");
        Assert.False(File.Exists(Path.Combine(folder, "MeshHost.MessagePack.dll")), "the MessagePack runtime was copied into the plugin's folder");
        return folder;
    }

    /// <summary>A weak reference to the plugin's load context. Not inlined, so no local in the caller's frame keeps the context alive.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static WeakReference FindLoadContext(string pluginId) =>
        new(AssemblyLoadContext.All.Single(c => c.Name == "plugin:" + pluginId));

    /// <summary>Collects until the unloaded context is gone, moving the clock so the host's unload work runs; fails if it stays.</summary>
    public static async Task AssertCollectedAsync(WeakReference context, TestMesh mesh)
    {
        for (int i = 0; context.IsAlive && i < 50; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await mesh.AdvanceAsync(TimeSpan.FromMilliseconds(50));
        }

        Assert.False(context.IsAlive, "the plugin's load context is still alive after unload: something keeps its types");
    }
}
