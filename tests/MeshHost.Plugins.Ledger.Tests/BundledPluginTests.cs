using MeshHost.Plugins.Testing;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.Ledger.Tests;

/// <summary>
/// The plugin as the host ships it: the folder its build copies next to the meshhost executable,
/// loaded by the host's plugin manager into a collectible context, run, and unloaded.
/// </summary>
public sealed class BundledPluginTests
{
    [Fact]
    public async Task The_bundled_folder_holds_the_plugin_and_sqlite_and_it_syncs_a_block_and_unloads_from_its_collectible_context()
    {
        string plugins = BundledPlugins.Directory();
        string folder = BundledPlugins.AssertFolderHoldsThePlugin(plugins, LedgerPlugin.Id, "MeshHost.Plugins.Ledger.dll");

        Assert.True(File.Exists(Path.Combine(folder, "Microsoft.Data.Sqlite.dll")), "SQLite, a private dependency, is not in the plugin's folder");
        Assert.True(Directory.Exists(Path.Combine(folder, "runtimes")), "the native SQLite libraries are not in the plugin's folder");

        await using TestMesh mesh = await TestMesh.StartAsync(2);
        // Default settings on both (the bundled one reads no configuration): same genesis, an empty one.
        TestPlugin<LedgerPlugin> sender = await mesh[1].LoadPluginAsync<LedgerPlugin>(LedgerPlugin.Id);
        var environment = new PluginEnvironment { Mesh = mesh[0].Mesh, DataDirectory = mesh[0].DataDirectory, Time = mesh.Time };
        await using (var manager = new PluginManager(environment, new PluginManagerOptions { Directories = [plugins], HotReload = false }))
        {
            await mesh.WaitAsync(manager.StartAllAsync(), TimeSpan.FromSeconds(10));
            PluginStatus? loaded = manager.Find(LedgerPlugin.Id);
            Assert.True(loaded?.State == PluginState.Running, $"{loaded?.State}: {loaded?.Reason}");

            // The loaded plugin syncs a block over the mesh and stores it: SQLite and its native library work in its context.
            await mesh.AdvanceAsync(TimeSpan.FromSeconds(3));
            Assert.NotNull(await mesh.WaitAsync(sender.Plugin.ProduceAsync(), TimeSpan.FromSeconds(30)));
            await mesh.WaitUntilAsync(() => HeightOf(manager) == 1, TimeSpan.FromSeconds(30), "the bundled plugin to take the block");
            Assert.True(File.Exists(Path.Combine(mesh[0].DataDirectory, "plugins", LedgerPlugin.Id, "ledger.db")));
            WeakReference context = BundledPlugins.FindLoadContext(LedgerPlugin.Id);

            await mesh.WaitAsync(manager.UnloadAsync(LedgerPlugin.Id), TimeSpan.FromSeconds(15));
            await BundledPlugins.AssertCollectedAsync(context, mesh);
        }
    }

    /// <summary>Node 0's height read through the loaded plugin's control API (its types are not this test's types).</summary>
    private static long HeightOf(PluginManager manager)
    {
        // The endpoint answers synchronously (no clock involved), so blocking here cannot stall the virtual time.
        Sdk.ControlApiResponse response = manager.InvokeEndpointAsync(LedgerPlugin.Id, "GET", "status", new Dictionary<string, string>(), default).GetAwaiter().GetResult();
        using var document = System.Text.Json.JsonDocument.Parse(response.Body);
        return document.RootElement.GetProperty("height").GetInt64();
    }
}
