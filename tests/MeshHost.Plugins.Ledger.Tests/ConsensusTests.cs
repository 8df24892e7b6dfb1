using System.Numerics;

namespace MeshHost.Plugins.Ledger.Tests;

/// <summary>Retargeting, the Clique rules, fork choice by weight and reorganisation of state.</summary>
public sealed class ConsensusTests
{
    [Fact]
    public void Proof_of_work_retargets_toward_the_interval()
    {
        using var chain = new TestChain();
        var pow = (ProofOfWork)chain.Chain.Consensus;
        BigInteger limit = pow.ExpectedTarget(chain.Chain.Tip);

        // Blocks one second apart, ten times faster than the 10 s interval: the target must shrink (harder).
        for (int i = 0; i < ProofOfWork.Window + 2; i++)
        {
            chain.Time.Advance(TimeSpan.FromSeconds(1));
            chain.Add(chain.Make([]));
        }

        BigInteger faster = pow.ExpectedTarget(chain.Chain.Tip);
        Assert.True(faster < limit, "fast blocks did not make the target harder");
        Assert.True(faster >= ProofOfWork.FromBytes(chain.Chain.Tip.Header.Target) / 4, "one step moved the target by more than 4x");

        // Then slow blocks (100 s apart) ease it again, never past the genesis limit.
        for (int i = 0; i < 3 * ProofOfWork.Window; i++)
        {
            chain.Time.Advance(TimeSpan.FromSeconds(100));
            chain.Add(chain.Make([]));
        }

        BigInteger slower = pow.ExpectedTarget(chain.Chain.Tip);
        Assert.True(slower > faster);
        Assert.True(slower <= limit);
    }

    [Fact]
    public void Proof_of_authority_weighs_in_turn_2_and_out_of_turn_1_and_limits_each_signer()
    {
        TestKey[] signers = [new(), new(), new()];
        using var chain = new TestChain("poa", signers: signers);
        var poa = (ProofOfAuthority)chain.Chain.Consensus;
        Assert.Equal(2, poa.Limit);
        TestKey[] sorted = [.. signers.OrderBy(s => s.PublicKey.ToArray(), Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)))];

        chain.Time.Advance(TimeSpan.FromSeconds(10));
        Block inTurn = chain.Make([], producer: sorted[1]);
        Assert.Equal([2], inTurn.Header.Target);
        chain.Add(inTurn);
        Assert.Equal(2, chain.Chain.Tip.Weight);

        // The same signer again at once: within floor(3/2)+1 = 2 consecutive blocks -> refused.
        chain.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(poa.Seal(chain.Make([], producer: sorted[2]).Header with { Signature = [] }, chain.Chain.Tip, sorted[1], CancellationToken.None));
        Block again = chain.Make([], producer: sorted[2]);
        BlockHeader forgedTurn = again.Header with { Producer = sorted[1].PublicKey.ToArray() };
        Assert.Equal(LedgerError.BadSigner, chain.Chain.AddBlock(again with { Header = forgedTurn }).Error);

        // Out of turn (height 2's turn is index 2; index 0 signs): weight 1.
        Block outOfTurn = chain.Make([], producer: sorted[0]);
        Assert.Equal([1], outOfTurn.Header.Target);
        chain.Add(outOfTurn);
        Assert.Equal(3, chain.Chain.Tip.Weight);

        // A stranger, and a signature by someone else, are refused.
        using var stranger = new TestKey();
        chain.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(poa.Seal(new BlockHeader { Height = 3 }, chain.Chain.Tip, stranger, CancellationToken.None));
        Block signed = chain.Make([], producer: sorted[2]);
        Assert.Equal(LedgerError.BadSignature, chain.Chain.AddBlock(signed with { Header = signed.Header with { Timestamp = signed.Header.Timestamp + 1 } }).Error);
    }

    [Fact]
    public void A_heavier_fork_reorganises_the_state_and_a_double_spend_across_it_is_rejected()
    {
        using var chain = new TestChain();
        TestKey alice = chain.Keys[1];
        HeaderEntry fork = chain.Chain.Tip;

        // Branch A (one block): alice pays Keys[2].
        Transaction toBob = chain.Transfer(alice, chain.Keys[2].Id, 500, 0);
        chain.Add(chain.Make([toBob], parent: fork));
        Assert.Equal(1500, chain.Chain.GetAccount(chain.Keys[2].Id).Balance);

        // Branch B (two blocks, heavier): alice spends the same nonce paying Keys[0] instead.
        chain.Time.Advance(TimeSpan.FromSeconds(1));
        Transaction toCarol = chain.Transfer(alice, chain.Keys[0].Id, 700, 0);
        Block b1 = chain.Make([toCarol], parent: fork, producer: chain.Keys[2]);
        Assert.Equal(LedgerError.None, chain.Chain.AddBlock(b1).Error);
        Assert.Equal(1500, chain.Chain.GetAccount(chain.Keys[2].Id).Balance); // equal weight: first seen stays
        chain.Time.Advance(TimeSpan.FromSeconds(1));
        BlockResult reorg = chain.Add(chain.Make([], parent: chain.Chain.Entry(LedgerCodec.BlockHash(b1.Header)), producer: chain.Keys[2]));

        Assert.Single(reorg.Disconnected);
        Assert.Equal(2, reorg.Connected.Count);
        Assert.Equal(2, chain.Chain.Tip.Height);
        Assert.Equal(1000 + 1, chain.Chain.GetAccount(chain.Keys[2].Id).Balance); // B's producer earned alice's fee
        Assert.Equal(1700, chain.Chain.GetAccount(chain.Keys[0].Id).Balance);
        Assert.Equal(new Account(299, 1), chain.Chain.GetAccount(alice.Id));

        // The double spend from the losing branch cannot come back on the winning one.
        chain.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(LedgerError.NonceReused, chain.Chain.AddBlock(chain.Make([toBob])).Error);
        var pool = new Mempool(10, 10);
        Assert.Equal(LedgerError.NonceReused, pool.Add(toBob, chain.Chain.GetAccount(alice.Id), 1, chain.Time.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    [Fact]
    public void A_heavier_fork_with_an_invalid_block_is_refused_and_the_state_is_untouched()
    {
        using var chain = new TestChain();
        HeaderEntry fork = chain.Chain.Tip;
        chain.Add(chain.Make([chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 5, 0)], parent: fork));
        SortedDictionary<string, Account> before = chain.Chain.Accounts();
        string tip = chain.Chain.Tip.Key;

        // Side branch: a valid first block (equal weight), then an overspending second one that would make it heavier.
        chain.Time.Advance(TimeSpan.FromSeconds(1));
        Block s1 = chain.Make([], parent: fork, producer: chain.Keys[2]);
        chain.Add(s1);
        chain.Time.Advance(TimeSpan.FromSeconds(1));
        Block s2 = chain.Make([chain.Transfer(chain.Keys[2], chain.Keys[0].Id, 99_999, 0)], parent: chain.Chain.Entry(LedgerCodec.BlockHash(s1.Header)));

        Assert.Equal(LedgerError.Overspend, chain.Chain.AddBlock(s2).Error);
        Assert.Equal(tip, chain.Chain.Tip.Key);
        Assert.Equal(before, chain.Chain.Accounts());
    }

    [Fact]
    public void State_and_tip_survive_a_restart()
    {
        using var chain = new TestChain();
        chain.Add(chain.Make([chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 5, 0)]));
        chain.Time.Advance(TimeSpan.FromSeconds(1));
        chain.Add(chain.Make([chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 5, 1)]));
        SortedDictionary<string, Account> accounts = chain.Chain.Accounts();
        string tip = chain.Chain.Tip.Key;

        chain.Chain.Dispose();
        chain.Open();

        Assert.Equal(tip, chain.Chain.Tip.Key);
        Assert.Equal(accounts, chain.Chain.Accounts());
        Assert.Equal(3, chain.Chain.KnownBlocks);
    }
}
