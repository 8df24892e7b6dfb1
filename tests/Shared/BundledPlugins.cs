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
