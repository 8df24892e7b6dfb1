using MeshHost.Sdk;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.Ledger.Tests;

/// <summary>Loads the ledger on a test mesh: low proof-of-work difficulty, every node funded, sync every virtual second.</summary>
internal static class LedgerMesh
{
    public const ulong Funds = 1000;

    public static Dictionary<string, string?> Settings(TestMesh mesh, params (string Key, string Value)[] extra)
    {
        Dictionary<string, string?> settings = new()
        {
            ["PowBits"] = "4",
            ["SyncIntervalSeconds"] = "1",
            ["GenesisTime"] = (mesh.Time.GetUtcNow().ToUnixTimeMilliseconds() - 1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (TestNode node in mesh.Nodes)
        {
            settings["Genesis:" + node.Id] = Funds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach ((string key, string value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Loads the plugin everywhere and lets the topics' meshes form (a few gossip heartbeats).</summary>
    public static async Task<IReadOnlyList<TestPlugin<LedgerPlugin>>> LoadLedgerAsync(this TestMesh mesh, Dictionary<string, string?>? settings = null)
    {
        IReadOnlyList<TestPlugin<LedgerPlugin>> ledgers = await mesh.LoadPluginAsync<LedgerPlugin>(LedgerPlugin.Id, settings ?? Settings(mesh));
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(3));
        return ledgers;
    }

    /// <summary>Produces one block on <paramref name="ledger"/> and asserts it was made.</summary>
    public static async Task<Block> MineAsync(this TestMesh mesh, TestPlugin<LedgerPlugin> ledger)
    {
        Block? block = await mesh.WaitAsync(ledger.Plugin.ProduceAsync(), TimeSpan.FromSeconds(30));
        Assert.NotNull(block);
        await mesh.AdvanceAsync(TimeSpan.FromMilliseconds(20));
        return block;
    }

    public static Task ConvergeAsync(this TestMesh mesh, IReadOnlyList<TestPlugin<LedgerPlugin>> ledgers, long height, string because) =>
        mesh.WaitUntilAsync(
            () => ledgers.All(l => l.Plugin.Height == height) && ledgers.Select(l => l.Plugin.TipHash).Distinct().Count() == 1,
            TimeSpan.FromSeconds(60),
            because);

    public static PeerId Id(this TestPlugin<LedgerPlugin> ledger) => ledger.Node.Id;
}
