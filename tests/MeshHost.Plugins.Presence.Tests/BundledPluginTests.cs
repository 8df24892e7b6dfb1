using MeshHost.Plugins.Testing;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.Presence.Tests;

/// <summary>
/// The plugin as the host ships it: the folder its build copies next to the meshhost executable,
/// loaded by the host's plugin manager into a collectible context, run, and unloaded.
/// </summary>
public sealed class BundledPluginTests
{
    [Fact]
    public async Task The_bundled_folder_holds_only_the_plugin_and_it_runs_and_unloads_from_its_collectible_context()
    {
        string plugins = BundledPlugins.Directory();
        BundledPlugins.AssertFolderHoldsThePlugin(plugins, PresencePlugin.Id, "MeshHost.Plugins.Presence.dll");

        await using TestMesh mesh = await TestMesh.StartAsync(2);
        TestPlugin<PresencePlugin> listener = await mesh[1].LoadPresenceAsync();
        var environment = new PluginEnvironment { Mesh = mesh[0].Mesh, DataDirectory = mesh[0].DataDirectory, Time = mesh.Time };
        await using (var manager = new PluginManager(environment, new PluginManagerOptions { Directories = [plugins], HotReload = false }))
        {
            await mesh.WaitAsync(manager.StartAllAsync(), TimeSpan.FromSeconds(10));
            Assert.Equal(PluginState.Running, manager.Find(PresencePlugin.Id)?.State);

            // It answers a ping from the plugin the test compiled against: the same contract, two load contexts.
            await mesh.AdvanceAsync(TestMesh.ChannelAnnouncementTime);
            await mesh.WaitAsync(listener.Plugin.PingAsync(mesh[0].Id, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
            WeakReference context = BundledPlugins.FindLoadContext(PresencePlugin.Id);

            await mesh.WaitAsync(manager.UnloadAsync(PresencePlugin.Id), TimeSpan.FromSeconds(15));
            await BundledPlugins.AssertCollectedAsync(context, mesh);
        }
    }
}
