using System.Security.Cryptography;
using MeshHost.MessagePack;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger.Tests;

/// <summary>The canonical encoding, ids, signatures and the Merkle tree.</summary>
public sealed class CodecTests
{
    private static Transaction Sample(int seed) => new()
    {
        Chain = new byte[32],
        From = new byte[64],
        To = Enumerable.Repeat((byte)seed, 32).ToArray(),
        Amount = (ulong)seed + 1,
        Fee = 1,
        Nonce = (ulong)seed,
        Expiry = 1_000,
        Signature = new byte[64],
    };

    [Fact]
    public void The_canonical_encoding_is_an_array_of_eight_with_smallest_integers()
    {
        byte[] encoded = LedgerCodec.Encode(Sample(0));

        Assert.Equal(0x98, encoded[0]); // fixarray of 8
        Assert.Equal([0xC4, 32], encoded[1..3]); // bin8 of 32: the chain id
        Transaction back = MessagePackSerializer.Deserialize<Transaction>(encoded)!;
        Assert.Equal(encoded, LedgerCodec.Encode(back));
    }

    [Fact]
    public void The_id_covers_every_signed_field_but_not_the_signature()
    {
        Transaction transaction = Sample(1);
        byte[] id = LedgerCodec.TransactionId(transaction);

        Assert.Equal(id, LedgerCodec.TransactionId(transaction with { Signature = Enumerable.Repeat((byte)9, 64).ToArray() }));
        Assert.NotEqual(id, LedgerCodec.TransactionId(transaction with { Amount = 3 }));
        Assert.NotEqual(id, LedgerCodec.TransactionId(transaction with { Nonce = 2 }));
        Assert.NotEqual(id, LedgerCodec.TransactionId(transaction with { Expiry = 2 }));
    }

    [Fact]
    public void A_signed_transfer_verifies_and_any_change_breaks_it()
    {
        using var key = new TestKey();
        Transaction signed = LedgerCodec.Sign(key, Sample(2));
        using var cache = new SignatureCache();

        Assert.True(cache.Verify(key.Id, signed.From, LedgerCodec.SignedBytes(signed), signed.Signature));
        Transaction changed = signed with { Amount = signed.Amount + 1 };
        Assert.False(cache.Verify(key.Id, changed.From, LedgerCodec.SignedBytes(changed), changed.Signature));
        Assert.False(cache.Verify(PeerId.FromPublicKey(new byte[64]), new byte[64], LedgerCodec.SignedBytes(signed), signed.Signature));
    }

    [Fact]
    public void Merkle_leaves_and_interior_nodes_are_domain_separated()
    {
        Transaction a = Sample(1), b = Sample(2);
        byte[] leafA = SHA256.HashData([0x00, .. LedgerCodec.Encode(a)]);
        byte[] leafB = SHA256.HashData([0x00, .. LedgerCodec.Encode(b)]);

        Assert.Equal(leafA, LedgerCodec.MerkleRoot([a]));
        Assert.Equal(SHA256.HashData([0x01, .. leafA, .. leafB]), LedgerCodec.MerkleRoot([a, b]));
        Assert.Equal(SHA256.HashData(ReadOnlySpan<byte>.Empty), LedgerCodec.MerkleRoot([]));
    }

    [Fact]
    public void Duplicating_the_last_transaction_changes_the_root_unlike_bitcoins_tree()
    {
        // CVE-2012-2459: with "pair the odd one with itself", [a, b, c] and [a, b, c, c] share a root.
        Transaction a = Sample(1), b = Sample(2), c = Sample(3);

        Assert.NotEqual(LedgerCodec.MerkleRoot([a, b, c]), LedgerCodec.MerkleRoot([a, b, c, c]));
        Assert.NotEqual(LedgerCodec.MerkleRoot([a, b, c, c, c, c]), LedgerCodec.MerkleRoot([a, b, c, c]));
        Assert.NotEqual(LedgerCodec.MerkleRoot([a, b]), LedgerCodec.MerkleRoot([b, a]));
    }

    [Fact]
    public void The_block_hash_changes_with_every_header_field()
    {
        var header = new BlockHeader { Height = 1, Previous = new byte[32], MerkleRoot = new byte[32], Timestamp = 5, Target = [1], Producer = new byte[64] };
        byte[] hash = LedgerCodec.BlockHash(header);

        Assert.NotEqual(hash, LedgerCodec.BlockHash(header with { Nonce = 1 }));
        Assert.NotEqual(hash, LedgerCodec.BlockHash(header with { Timestamp = 6 }));
        Assert.NotEqual(hash, LedgerCodec.BlockHash(header with { Height = 2 }));
        Assert.Equal(LedgerCodec.SealBytes(header), LedgerCodec.SealBytes(header with { Signature = [1, 2] }));
    }

    [Fact]
    public void The_median_time_past_is_the_median_of_the_last_eleven()
    {
        HeaderEntry? entry = null;
        long[] times = [100, 5, 300, 40, 50, 600, 7, 80, 900, 10, 110, 120];
        for (int i = 0; i < times.Length; i++)
        {
            entry = new HeaderEntry(new BlockHeader { Height = i, Timestamp = times[i] }, new byte[32], entry, 0);
        }

        // The last 11: 5 300 40 50 600 7 80 900 10 110 120 -> sorted middle is 80.
        Assert.Equal(80, entry!.MedianTimePast());
        Assert.Equal(PeerId.Size, PeerId.FromPublicKey(new byte[64]).ToArray().Length);
    }
}
