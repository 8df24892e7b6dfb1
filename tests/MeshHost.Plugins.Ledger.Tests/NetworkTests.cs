using MeshHost.Plugins;
using MeshHost.Sdk;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.Ledger.Tests;

/// <summary>Whole networks on the testing kit's in-memory mesh and manual clock (after feature_block.py's scenarios).</summary>
public sealed class NetworkTests
{
    [Fact]
    public async Task Five_nodes_converge_on_one_chain_with_identical_state()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(5);
        IReadOnlyList<TestPlugin<LedgerPlugin>> ledgers = await mesh.LoadLedgerAsync();

        await mesh.WaitAsync(ledgers[0].Plugin.SendAsync(ledgers[1].Id(), 100, 2), TimeSpan.FromSeconds(10));
        await mesh.WaitAsync(ledgers[3].Plugin.SendAsync(ledgers[4].Id(), 50, 1), TimeSpan.FromSeconds(10));
        await mesh.WaitUntilAsync(() => ledgers[2].Plugin.PendingTransactions == 2, TimeSpan.FromSeconds(10), "the transfers to reach node 2's mempool by gossip");
        Block first = await mesh.MineAsync(ledgers[2]);
        Assert.Equal(2, first.Transactions.Count);
        await mesh.ConvergeAsync(ledgers, 1, "every node to take block 1");
        await mesh.MineAsync(ledgers[4]);
        await mesh.ConvergeAsync(ledgers, 2, "every node to take block 2");
        await mesh.MineAsync(ledgers[1]);
        await mesh.ConvergeAsync(ledgers, 3, "every node to take block 3");

        SortedDictionary<string, Account> state = ledgers[0].Plugin.Accounts();
        Assert.All(ledgers, l => Assert.Equal(state, l.Plugin.Accounts()));
        Assert.Equal(LedgerMesh.Funds - 102, (ulong)ledgers[0].Plugin.Balance(ledgers[0].Id()).Balance);
        Assert.Equal(LedgerMesh.Funds + 100, (ulong)ledgers[1].Plugin.Balance(ledgers[1].Id()).Balance);
        Assert.Equal(LedgerMesh.Funds + 3, (ulong)ledgers[2].Plugin.Balance(ledgers[2].Id()).Balance);
        Assert.All(ledgers, l => Assert.Equal(0, l.Plugin.PendingTransactions));
    }

    [Fact]
    public async Task A_partition_where_both_sides_extend_heals_onto_the_heavier_chain_and_the_double_spend_is_rejected()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(5);
        IReadOnlyList<TestPlugin<LedgerPlugin>> ledgers = await mesh.LoadLedgerAsync();
        await mesh.MineAsync(ledgers[0]);
        await mesh.ConvergeAsync(ledgers, 1, "the common block");

        // Side A = nodes 0, 1; side B = nodes 2, 3, 4.
        TestPlugin<LedgerPlugin>[] sideA = [ledgers[0], ledgers[1]];
        TestPlugin<LedgerPlugin>[] sideB = [ledgers[2], ledgers[3], ledgers[4]];
        foreach (TestPlugin<LedgerPlugin> a in sideA)
        {
            foreach (TestPlugin<LedgerPlugin> b in sideB)
            {
                mesh.Partition(a.Node, b.Node);
            }
        }

        // Node 0 pays node 1 on side A; the same nonce pays node 2 on side B (signed by node 0's key, handed to B directly).
        Transaction toOne = await mesh.WaitAsync(ledgers[0].Plugin.SendAsync(ledgers[1].Id(), 600, 1), TimeSpan.FromSeconds(10));
        Transaction toTwo = LedgerCodec.Sign(mesh[0].Mesh.Identity, toOne with { To = ledgers[2].Id().ToArray(), Amount = 700 });
        Assert.Equal(LedgerError.None, ledgers[3].Plugin.AdmitTransaction(toTwo));

        // And node 1 pays node 0 on side A only: no conflict on side B, so after the heal it goes back to the mempool.
        Transaction oneToZero = await mesh.WaitAsync(ledgers[1].Plugin.SendAsync(ledgers[0].Id(), 5, 1), TimeSpan.FromSeconds(10));
        await mesh.WaitUntilAsync(() => ledgers[1].Plugin.PendingTransactions == 2, TimeSpan.FromSeconds(10), "the transfer to reach node 1");

        await mesh.MineAsync(ledgers[1]);
        await mesh.ConvergeAsync(sideA, 2, "side A to extend by one");
        Assert.Equal(LedgerMesh.Funds + 600 - 5 - 1 + 2, (ulong)ledgers[1].Plugin.Balance(ledgers[1].Id()).Balance); // both fees back, as producer
        await mesh.MineAsync(ledgers[3]);
        await mesh.ConvergeAsync(sideB, 2, "side B to take node 3's block");
        await mesh.MineAsync(ledgers[4]);
        await mesh.ConvergeAsync(sideB, 3, "side B to extend by two");
        Assert.Equal(LedgerMesh.Funds + 700, (ulong)ledgers[2].Plugin.Balance(ledgers[2].Id()).Balance);

        foreach (TestPlugin<LedgerPlugin> a in sideA)
        {
            foreach (TestPlugin<LedgerPlugin> b in sideB)
            {
                mesh.Heal(a.Node, b.Node);
            }
        }

        await mesh.ConvergeAsync(ledgers, 3, "everyone to reorganise onto side B's heavier chain");
        SortedDictionary<string, Account> state = ledgers[2].Plugin.Accounts();
        Assert.All(ledgers, l => Assert.Equal(state, l.Plugin.Accounts()));
        Assert.Equal(LedgerMesh.Funds, (ulong)ledgers[1].Plugin.Balance(ledgers[1].Id()).Balance);
        Assert.Equal(LedgerMesh.Funds + 700, (ulong)ledgers[2].Plugin.Balance(ledgers[2].Id()).Balance);
        Assert.True(ledgers[0].Plugin.Counters.Reorganisations + ledgers[1].Plugin.Counters.Reorganisations >= 2, "side A did not reorganise");

        // The orphaned transfer to node 1 spends a nonce the winning chain used: not back in any mempool, and refused in a block.
        // Node 1's own orphaned transfer is valid on the new chain: it is back in side A's mempools (gossip may
        // also bring it to side B once healed); nothing else waits anywhere.
        byte[] returned = LedgerCodec.TransactionId(oneToZero);
        Assert.All(sideA, l => Assert.True(l.Plugin.Pool.Contains(returned), "the orphaned transfer did not return to the mempool"));
        Assert.All(ledgers, l => Assert.False(l.Plugin.Pool.Contains(LedgerCodec.TransactionId(toOne)), "the double spend is back in a mempool"));
        Assert.All(ledgers, l => Assert.True(l.Plugin.PendingTransactions == (l.Plugin.Pool.Contains(returned) ? 1 : 0)));
        Assert.Equal(LedgerError.Duplicate, ledgers[0].Plugin.AdmitTransaction(oneToZero));
        Assert.Equal(LedgerError.NonceReused, ledgers[0].Plugin.AdmitTransaction(toOne));
        Block template = ledgers[1].Plugin.Chain.BuildBlock([], mesh[1].Mesh.Identity.PublicKey.ToArray(), mesh.Time.GetUtcNow().ToUnixTimeMilliseconds());
        Block withDoubleSpend = template with { Transactions = [toOne], Header = template.Header with { MerkleRoot = LedgerCodec.MerkleRoot([toOne]) } };
        BlockHeader sealedHeader = ledgers[1].Plugin.Chain.Consensus.Seal(withDoubleSpend.Header, ledgers[1].Plugin.Chain.Tip, mesh[1].Mesh.Identity, CancellationToken.None)!;
        Assert.Equal(LedgerError.NonceReused, ledgers[2].Plugin.SubmitBlock(mesh[1].Id, withDoubleSpend with { Header = sealedHeader }).Error);
        Assert.Equal(3, ledgers[2].Plugin.Height);

        // The returned transfer is mined on the winning chain.
        Block next = await mesh.MineAsync(ledgers[0]);
        Assert.Equal(LedgerCodec.TransactionId(oneToZero), LedgerCodec.TransactionId(Assert.Single(next.Transactions)));
        await mesh.ConvergeAsync(ledgers, 4, "everyone to take the block with the returned transfer");
        Assert.Equal(LedgerMesh.Funds - 6, (ulong)ledgers[1].Plugin.Balance(ledgers[1].Id()).Balance);
    }

    [Fact]
    public async Task A_late_joiner_syncs_the_chain_from_scratch()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(3);
        Dictionary<string, string?> settings = LedgerMesh.Settings(mesh);
        IReadOnlyList<TestPlugin<LedgerPlugin>> ledgers = await mesh.LoadLedgerAsync(settings);
        for (int i = 0; i < 12; i++)
        {
            if (i % 3 == 0)
            {
                await mesh.WaitAsync(ledgers[i % 3].Plugin.SendAsync(ledgers[(i + 1) % 3].Id(), 10, 1), TimeSpan.FromSeconds(10));
            }

            await mesh.MineAsync(ledgers[i % 3]);
            await mesh.AdvanceAsync(TimeSpan.FromSeconds(1));
        }

        await mesh.ConvergeAsync(ledgers, 12, "the first three nodes to agree");

        TestNode late = await mesh.AddNodeAsync();
        TestPlugin<LedgerPlugin> joiner = await late.LoadPluginAsync<LedgerPlugin>(LedgerPlugin.Id, settings);
        await mesh.ConvergeAsync([.. ledgers, joiner], 12, "the late joiner to sync headers first, then bodies");

        Assert.Equal(ledgers[0].Plugin.Accounts(), joiner.Plugin.Accounts());
        Assert.Equal(0, joiner.Plugin.Counters.BlocksRefused);
    }

    [Fact]
    public async Task A_peer_that_sends_invalid_blocks_is_ignored_after_three()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        IReadOnlyList<TestPlugin<LedgerPlugin>> ledgers = await mesh.LoadLedgerAsync(LedgerMesh.Settings(mesh, ("PenaltySeconds", "5")));
        ChainState chain = ledgers[1].Plugin.Chain;
        for (int i = 0; i < PeerPenalties.Threshold; i++)
        {
            Block template = chain.BuildBlock([], mesh[1].Mesh.Identity.PublicKey.ToArray(), mesh.Time.GetUtcNow().ToUnixTimeMilliseconds() + i);
            BlockHeader future = template.Header with { Timestamp = mesh.Time.GetUtcNow().AddHours(3).ToUnixTimeMilliseconds() + i };
            BlockHeader sealedHeader = chain.Consensus.Seal(future, chain.Tip, mesh[1].Mesh.Identity, CancellationToken.None)!;
            Assert.Equal(LedgerError.TimestampTooFarInFuture, ledgers[0].Plugin.SubmitBlock(mesh[1].Id, template with { Header = sealedHeader }).Error);
        }

        Assert.Equal(PeerPenalties.Threshold, ledgers[0].Plugin.Counters.BlocksRefused);

        // Ignored now: its announcements and transfers are dropped and counted.
        await mesh.MineAsync(ledgers[1]);
        await mesh.AdvanceAsync(TimeSpan.FromMilliseconds(500));
        Assert.Equal(0, ledgers[0].Plugin.Height);
        Assert.True(ledgers[0].Plugin.Counters.Ignored >= 1);

        // Forgiven after the penalty time: it syncs again.
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(5));
        await mesh.ConvergeAsync(ledgers, 1, "the node to take the peer's block after the penalty");
    }

    [Fact]
    public async Task Malformed_sync_requests_get_an_answer_and_change_nothing()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        TestPlugin<LedgerPlugin> ledger = await mesh[0].LoadPluginAsync<LedgerPlugin>(LedgerPlugin.Id, LedgerMesh.Settings(mesh));
        await mesh.MineAsync(ledger);
        using IRequestChannel<SyncRequest, SyncResponse> channel = mesh[1].Mesh.OpenRequestChannel<SyncRequest, SyncResponse>(LedgerPlugin.SyncChannelName);
        await mesh.AdvanceAsync(TestMesh.ChannelAnnouncementTime);

        SyncRequest[] hostile =
        [
            new() { Kind = SyncKind.Headers, Hashes = [[1, 2, 3], new byte[32]] },
            new() { Kind = SyncKind.Blocks, Hashes = [[], new byte[31], .. Enumerable.Repeat(new byte[32], 500)] },
            new() { Kind = (SyncKind)77 },
        ];
        foreach (SyncRequest request in hostile)
        {
            SyncResponse answer = await mesh.WaitAsync(channel.RequestAsync(mesh[0].Id, request, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
            Assert.Equal(1, answer.TipHeight);
            Assert.Empty(answer.Blocks); // no such blocks; sizes that are not hashes are skipped
        }

        SyncResponse headers = await mesh.WaitAsync(channel.RequestAsync(mesh[0].Id, hostile[0], TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
        Assert.Equal(1, Assert.Single(headers.Headers).Height); // no locator hash known: the chain from genesis
        Assert.Equal(1, ledger.Plugin.Height);
        Assert.Equal(PluginState.Running, ledger.State);
    }
}
