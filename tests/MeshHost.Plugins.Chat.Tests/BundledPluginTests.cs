using MeshHost.Plugins.Testing;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.Chat.Tests;

/// <summary>
/// The plugin as the host ships it: the folder its build copies next to the meshhost executable,
/// loaded by the host's plugin manager into a collectible context, run, and unloaded.
/// </summary>
public sealed class BundledPluginTests
{
    [Fact]
    public async Task The_bundled_folder_holds_the_plugin_and_sqlite_and_it_stores_and_unloads_from_its_collectible_context()
    {
        string plugins = BundledPlugins.Directory();
        string folder = BundledPlugins.AssertFolderHoldsThePlugin(plugins, ChatPlugin.Id, "MeshHost.Plugins.Chat.dll");

        Assert.True(File.Exists(Path.Combine(folder, "Microsoft.Data.Sqlite.dll")), "SQLite, a private dependency, is not in the plugin's folder");
        Assert.True(Directory.Exists(Path.Combine(folder, "runtimes")), "the native SQLite libraries are not in the plugin's folder");

        await using TestMesh mesh = await TestMesh.StartAsync(2);
        TestPlugin<ChatPlugin> sender = await mesh[1].LoadChatAsync();
        var environment = new PluginEnvironment { Mesh = mesh[0].Mesh, DataDirectory = mesh[0].DataDirectory, Time = mesh.Time };
        await using (var manager = new PluginManager(environment, new PluginManagerOptions { Directories = [plugins], HotReload = false }))
        {
            await mesh.WaitAsync(manager.StartAllAsync(), TimeSpan.FromSeconds(10));
            PluginStatus? loaded = manager.Find(ChatPlugin.Id);
            Assert.True(loaded?.State == PluginState.Running, $"{loaded?.State}: {loaded?.Reason}");

            // A direct message is acknowledged only once stored: SQLite and its native library work in the plugin's context.
            await mesh.AdvanceAsync(TestMesh.ChannelAnnouncementTime);
            (ChatEntry _, bool delivered) = await mesh.WaitAsync(sender.Plugin.SendDirectAsync(mesh[0].Id, "stored?"), TimeSpan.FromSeconds(10));
            Assert.True(delivered);
            Assert.True(File.Exists(Path.Combine(mesh[0].DataDirectory, "plugins", ChatPlugin.Id, "chat.db")));
            WeakReference context = BundledPlugins.FindLoadContext(ChatPlugin.Id);

            await mesh.WaitAsync(manager.UnloadAsync(ChatPlugin.Id), TimeSpan.FromSeconds(15));
            await BundledPlugins.AssertCollectedAsync(context, mesh);
        }
    }
}
