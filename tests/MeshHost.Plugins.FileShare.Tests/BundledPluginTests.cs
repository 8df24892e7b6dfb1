using MeshHost.Plugins.Testing;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.FileShare.Tests;

/// <summary>
/// The plugin as the host ships it: the folder its build copies next to the meshhost executable,
/// loaded by the host's plugin manager into a collectible context, run, and unloaded.
/// </summary>
public sealed class BundledPluginTests
{
    [Fact]
    public async Task The_bundled_folder_holds_the_plugin_and_it_runs_and_unloads_from_its_collectible_context()
    {
        string plugins = BundledPlugins.Directory();
        BundledPlugins.AssertFolderHoldsThePlugin(plugins, FileSharePlugin.Id, "MeshHost.Plugins.FileShare.dll");

        await using TestMesh mesh = await TestMesh.StartAsync(1);
        var environment = new PluginEnvironment { Mesh = mesh[0].Mesh, DataDirectory = mesh[0].DataDirectory, Time = mesh.Time };
        await using (var manager = new PluginManager(environment, new PluginManagerOptions { Directories = [plugins], HotReload = false }))
        {
            await mesh.WaitAsync(manager.StartAllAsync(), TimeSpan.FromSeconds(10));
            PluginStatus? loaded = manager.Find(FileSharePlugin.Id);
            Assert.True(loaded?.State == PluginState.Running, $"{loaded?.State}: {loaded?.Reason}");
            WeakReference context = BundledPlugins.FindLoadContext(FileSharePlugin.Id);

            await mesh.WaitAsync(manager.UnloadAsync(FileSharePlugin.Id), TimeSpan.FromSeconds(15));
            await BundledPlugins.AssertCollectedAsync(context, mesh);
        }
    }
}
