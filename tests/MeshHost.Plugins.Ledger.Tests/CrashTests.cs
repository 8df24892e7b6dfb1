namespace MeshHost.Plugins.Ledger.Tests;

/// <summary>A node killed in the middle of a block commit restarts to a consistent state.</summary>
public sealed class CrashTests
{
    public static TheoryData<string> Steps => new() { "connect-start", "account", "undo", "main", "before-commit", "restore", "disconnected" };

    [Theory]
    [MemberData(nameof(Steps))]
    public void A_crash_at_any_step_of_a_commit_leaves_the_old_tip_and_state_and_the_block_applies_after_restart(string step)
    {
        using var chain = new TestChain();
        HeaderEntry fork = chain.Chain.Tip;
        chain.Add(chain.Make([chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 10, 0)]));
        chain.Time.Advance(TimeSpan.FromSeconds(1));

        // A two-block side branch: adding its second block reorganises (disconnect + 2 connects) in one commit.
        Block s1 = chain.Make([chain.Transfer(chain.Keys[1], chain.Keys[0].Id, 30, 0)], parent: fork, producer: chain.Keys[2]);
        chain.Add(s1);
        chain.Time.Advance(TimeSpan.FromSeconds(1));
        Block s2 = chain.Make([chain.Transfer(chain.Keys[0], chain.Keys[2].Id, 40, 0)], parent: chain.Chain.Entry(LedgerCodec.BlockHash(s1.Header)), producer: chain.Keys[2]);
        SortedDictionary<string, Account> before = chain.Chain.Accounts();
        string tipBefore = chain.Chain.Tip.Key;

        // The "kill": at the step, the connection is closed under the open transaction and the commit never happens.
        chain.Store.CommitHook = name =>
        {
            if (name == step)
            {
                chain.Crash();
                throw new IOException("killed during commit at " + name);
            }
        };
        Assert.ThrowsAny<Exception>(() => chain.Chain.AddBlock(s2));

        // On disk: exactly the old tip and the old accounts, nothing of the interrupted commit.
        using (var disk = new LedgerStore(chain.Path))
        {
            Assert.Equal(tipBefore, LedgerCodec.Hex(disk.MainChain()[^1]));
            Assert.Equal(before, disk.Accounts());
        }

        // After the restart the node is at the old tip, and the block that was being committed applies cleanly.
        chain.Open();
        Assert.Equal(tipBefore, chain.Chain.Tip.Key);
        Assert.Equal(before, chain.Chain.Accounts());
        Assert.Equal(LedgerError.None, chain.Chain.AddBlock(s2).Error);
        Assert.Equal(2, chain.Chain.Tip.Height);
        Assert.Equal(LedgerCodec.Hex(LedgerCodec.BlockHash(s2.Header)), chain.Chain.Tip.Key);
        Assert.Equal(1000 - 30 - 1, chain.Chain.GetAccount(chain.Keys[1].Id).Balance);
    }
}
