using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger.Tests;

/// <summary>Each rejection the issue lists, with its own code, after Bitcoin Core's feature_block.py cases.</summary>
public sealed class ValidationTests
{
    [Fact]
    public void A_valid_transfer_moves_funds_and_pays_the_fee_to_the_producer()
    {
        using var chain = new TestChain();
        TestKey alice = chain.Keys[1];
        chain.Add(chain.Make([chain.Transfer(alice, chain.Keys[2].Id, 100, 0, fee: 3)]));

        Assert.Equal(new Account(897, 1), chain.Chain.GetAccount(alice.Id));
        Assert.Equal(1100, chain.Chain.GetAccount(chain.Keys[2].Id).Balance);
        Assert.Equal(1003, chain.Chain.GetAccount(chain.Keys[0].Id).Balance);
        Assert.Equal(1, chain.Chain.Tip.Height);
    }

    [Fact]
    public void A_bad_signature_is_rejected()
    {
        using var chain = new TestChain();
        Transaction forged = chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 10, 0) with { Amount = 999 };

        Assert.Equal(LedgerError.BadSignature, chain.Chain.AddBlock(chain.Make([forged])).Error);
        Assert.Equal(0, chain.Chain.Tip.Height);
    }

    [Fact]
    public void A_reused_nonce_is_rejected_in_a_later_block()
    {
        using var chain = new TestChain();
        chain.Add(chain.Make([chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 10, 0)]));
        chain.Time.Advance(TimeSpan.FromSeconds(1));

        BlockResult replay = chain.Chain.AddBlock(chain.Make([chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 10, 0)]));
        Assert.Equal(LedgerError.NonceReused, replay.Error);
        Assert.Equal(LedgerError.NonceGap, chain.Chain.AddBlock(chain.Make([chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 10, 5)])).Error);
        Assert.Equal(1, chain.Chain.Tip.Height);
    }

    [Fact]
    public void An_overspend_is_rejected()
    {
        using var chain = new TestChain();
        Assert.Equal(LedgerError.Overspend, chain.Chain.AddBlock(chain.Make([chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 1000, 0, fee: 1)])).Error);
        Assert.Equal(1000, chain.Chain.GetAccount(chain.Keys[1].Id).Balance);
    }

    [Fact]
    public void A_double_spend_within_a_block_is_rejected()
    {
        using var chain = new TestChain();
        Transaction first = chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 600, 0);
        Transaction second = chain.Transfer(chain.Keys[1], chain.Keys[0].Id, 600, 0);

        Assert.Equal(LedgerError.DoubleSpendInBlock, chain.Chain.AddBlock(chain.Make([first, second])).Error);
    }

    [Fact]
    public void A_bad_merkle_root_is_rejected_without_condemning_the_header()
    {
        using var chain = new TestChain();
        Block block = chain.Make([chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 10, 0)]);
        Block swapped = block with { Transactions = [chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 11, 0)] };

        Assert.Equal(LedgerError.BadMerkleRoot, chain.Chain.AddBlock(swapped).Error);
        // The header is fine; the right body is still accepted.
        chain.Add(block);
    }

    [Fact]
    public void Insufficient_work_is_rejected()
    {
        using var chain = new TestChain();
        Block block = chain.Make([]);
        // Find a nonce whose hash misses the target (at 4 bits, 15 of 16 do).
        BlockHeader bad = block.Header;
        var pow = (ProofOfWork)chain.Chain.Consensus;
        for (ulong nonce = 0; ; nonce++)
        {
            bad = block.Header with { Nonce = nonce };
            if (ProofOfWork.FromBytes(LedgerCodec.BlockHash(bad)) > ProofOfWork.FromBytes(bad.Target))
            {
                break;
            }
        }

        Assert.Equal(LedgerError.InsufficientWork, chain.Chain.AddBlock(block with { Header = bad }).Error);
        BlockHeader easier = block.Header with { Target = ProofOfWork.ToBytes(pow.ExpectedTarget(chain.Chain.Tip) * 2) };
        Assert.Equal(LedgerError.InsufficientWork, chain.Chain.AddBlock(block with { Header = easier }).Error);
    }

    [Fact]
    public void A_timestamp_too_far_in_the_future_or_not_after_the_median_is_rejected()
    {
        using var chain = new TestChain();
        long now = chain.Time.GetUtcNow().ToUnixTimeMilliseconds();
        Block future = chain.Make([], timestamp: now + (long)TimeSpan.FromHours(2).TotalMilliseconds + 1);
        Assert.Equal(LedgerError.TimestampTooFarInFuture, chain.Chain.AddBlock(future).Error);

        chain.Add(chain.Make([], timestamp: now + (long)TimeSpan.FromHours(2).TotalMilliseconds));
        Block old = chain.Make([], timestamp: chain.Chain.Tip.MedianTimePast());
        Assert.Equal(LedgerError.TimestampTooOld, chain.Chain.AddBlock(old).Error);
    }

    [Fact]
    public void An_oversized_block_is_rejected()
    {
        using var chain = new TestChain();
        Transaction one = chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 1, 0);
        var many = Enumerable.Range(0, ChainRules.MaxBlockTransactions + 1).Select(i => one with { Nonce = (ulong)i }).ToList();

        Assert.Equal(LedgerError.BlockTooLarge, chain.Chain.AddBlock(chain.Make(many)).Error);
    }

    [Fact]
    public void An_expired_transfer_a_wrong_chain_and_an_unknown_parent_are_rejected()
    {
        using var chain = new TestChain();
        long now = chain.Time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.Equal(LedgerError.Expired, chain.Chain.AddBlock(chain.Make([chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 1, 0, expiry: now - 1)])).Error);

        Transaction other = LedgerCodec.Sign(chain.Keys[1], chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 1, 0) with { Chain = new byte[32] });
        Assert.Equal(LedgerError.WrongChain, chain.Chain.AddBlock(chain.Make([other])).Error);

        Block orphan = chain.Make([]) with { };
        Assert.Equal(LedgerError.UnknownParent, chain.Chain.AddBlock(orphan with { Header = orphan.Header with { Previous = new byte[32], Height = 1 } }).Error);
    }

    [Fact]
    public void A_child_of_an_invalid_block_is_rejected_as_such()
    {
        using var chain = new TestChain();
        Block bad = chain.Make([chain.Transfer(chain.Keys[1], chain.Keys[2].Id, 5000, 0)]);
        Assert.Equal(LedgerError.Overspend, chain.Chain.AddBlock(bad).Error);

        HeaderEntry badEntry = chain.Chain.Entry(LedgerCodec.BlockHash(bad.Header))!;
        chain.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(LedgerError.InvalidAncestor, chain.Chain.AddBlock(chain.Make([], parent: badEntry)).Error);
        Assert.Equal(0, chain.Chain.Tip.Height);
    }

    [Fact]
    public void The_mempool_refuses_each_bad_case_and_orders_by_fee_within_its_bounds()
    {
        using var chain = new TestChain(accounts: 4);
        var pool = new Mempool(capacity: 3, perSender: 2);
        long now = chain.Time.GetUtcNow().ToUnixTimeMilliseconds();
        Account full = new(1000, 0);

        Assert.Equal(LedgerError.FeeTooLow, pool.Add(chain.Transfer(chain.Keys[0], chain.Keys[1].Id, 1, 0, fee: 0), full, 1, now));
        Assert.Equal(LedgerError.Overspend, pool.Add(chain.Transfer(chain.Keys[0], chain.Keys[1].Id, 1000, 0), full, 1, now));
        Assert.Equal(LedgerError.NonceReused, pool.Add(chain.Transfer(chain.Keys[0], chain.Keys[1].Id, 1, 0), full with { Nonce = 1 }, 1, now));
        Assert.Equal(LedgerError.None, pool.Add(chain.Transfer(chain.Keys[0], chain.Keys[1].Id, 1, 0, fee: 2), full, 1, now));
        Assert.Equal(LedgerError.Duplicate, pool.Add(chain.Transfer(chain.Keys[0], chain.Keys[1].Id, 1, 0, fee: 2), full, 1, now));
        Assert.Equal(LedgerError.NonceReused, pool.Add(chain.Transfer(chain.Keys[0], chain.Keys[1].Id, 2, 0, fee: 2), full, 1, now));
        Assert.Equal(LedgerError.None, pool.Add(chain.Transfer(chain.Keys[0], chain.Keys[1].Id, 1, 1, fee: 1), full, 1, now));
        Assert.Equal(LedgerError.NonceGap, pool.Add(chain.Transfer(chain.Keys[0], chain.Keys[1].Id, 1, 2), full, 1, now));
        Assert.Equal(LedgerError.None, pool.Add(chain.Transfer(chain.Keys[1], chain.Keys[0].Id, 1, 0, fee: 5), full, 1, now));

        // Full: a better fee evicts the cheapest last-in-queue transfer; a worse one is refused.
        Assert.Equal(LedgerError.MempoolFull, pool.Add(chain.Transfer(chain.Keys[2], chain.Keys[0].Id, 1, 0, fee: 1), full, 1, now));
        Assert.Equal(LedgerError.None, pool.Add(chain.Transfer(chain.Keys[2], chain.Keys[0].Id, 1, 0, fee: 9), full, 1, now));
        Assert.Equal(3, pool.Count);
        Assert.Equal([9UL, 5UL, 2UL], pool.Candidates(10).Select(t => t.Fee));
        Assert.Equal(LedgerError.Expired, pool.Add(chain.Transfer(chain.Keys[3], chain.Keys[0].Id, 1, 0, expiry: now - 1), full, 1, now));
    }
}
