using System.Buffers;
using System.Security.Cryptography;
using MeshHost.MessagePack;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger;

/// <summary>
/// The canonical encodings and the hashes over them (docs/ledger.md, "Canonical encoding"). A hash is
/// always computed over this node's re-encoding of the decoded value, never over received bytes, so
/// an encoder's choices (a longer integer form, a map instead of an array) cannot change an id.
/// </summary>
internal static class LedgerCodec
{
    public const int HashSize = 32;

    /// <summary>The MessagePack encoding of <paramref name="transaction"/>.</summary>
    public static byte[] Encode(Transaction transaction) => MessagePackSerializer.Serialize(transaction);

    /// <summary>What the sender signs: the encoding with an empty signature.</summary>
    public static byte[] SignedBytes(Transaction transaction) => Encode(transaction with { Signature = [] });

    /// <summary>
    /// The transaction id: SHA-256 of the signed bytes. The signature is left out so that a third party
    /// re-encoding an ECDSA signature (s to n - s) cannot give the same transfer a second id.
    /// </summary>
    public static byte[] TransactionId(Transaction transaction) => SHA256.HashData(SignedBytes(transaction));

    /// <summary>SHA-256 of the header's encoding: the block hash.</summary>
    public static byte[] BlockHash(BlockHeader header) => SHA256.HashData(MessagePackSerializer.Serialize(header));

    /// <summary>What a proof-of-authority producer signs: the header's encoding with an empty signature.</summary>
    public static byte[] SealBytes(BlockHeader header) => MessagePackSerializer.Serialize(header with { Signature = [] });

    /// <summary>The encoded size of a block, the figure the size limit applies to.</summary>
    public static int BlockSize(Block block)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        MessagePackSerializer.Serialize(buffer, block);
        return buffer.WrittenCount;
    }

    /// <summary>Signs a transfer with the node's key.</summary>
    public static Transaction Sign(INodeSigner signer, Transaction unsigned)
    {
        Transaction withKey = unsigned with { From = signer.PublicKey.ToArray(), Signature = [] };
        byte[] signature = new byte[INodeSigner.SignatureSize];
        signer.Sign(Encode(withKey), signature);
        return withKey with { Signature = signature };
    }

    /// <summary>The sender's account.</summary>
    public static PeerId Sender(Transaction transaction) => PeerId.FromPublicKey(transaction.From);

    /// <summary>Whether the sizes of the fields are right (keys 64 bytes, hashes and ids 32).</summary>
    public static bool IsWellFormed(Transaction transaction) =>
        transaction.Chain is { Length: HashSize }
        && transaction.From is { Length: INodeSigner.PublicKeySize }
        && transaction.To is { Length: PeerId.Size }
        && transaction.Signature is { Length: INodeSigner.SignatureSize }
        && transaction.Amount > 0
        && transaction.Amount <= long.MaxValue && transaction.Fee <= long.MaxValue
        && transaction.Nonce < long.MaxValue;

    /// <summary>
    /// The Merkle root of the transactions. Leaves are SHA-256(0x00 || encoding, signature included),
    /// interior nodes SHA-256(0x01 || left || right); an odd node is carried up unchanged instead of
    /// being paired with itself, so no two lists share a root (CVE-2012-2459), and an interior hash can
    /// never pass for a leaf. The empty list's root is SHA-256 of nothing.
    /// </summary>
    public static byte[] MerkleRoot(IReadOnlyList<Transaction> transactions)
    {
        if (transactions.Count == 0)
        {
            return SHA256.HashData(ReadOnlySpan<byte>.Empty);
        }

        var level = new byte[transactions.Count][];
        for (int i = 0; i < transactions.Count; i++)
        {
            level[i] = LeafHash(Encode(transactions[i]));
        }

        return MerkleRootOfLeaves(level);
    }

    /// <summary>The root over leaf hashes already computed.</summary>
    public static byte[] MerkleRootOfLeaves(byte[][] leaves)
    {
        if (leaves.Length == 0)
        {
            return SHA256.HashData(ReadOnlySpan<byte>.Empty);
        }

        byte[][] level = leaves;
        Span<byte> pair = stackalloc byte[1 + (2 * HashSize)];
        pair[0] = 0x01;
        while (level.Length > 1)
        {
            var next = new byte[(level.Length + 1) / 2][];
            for (int i = 0; i < level.Length / 2; i++)
            {
                level[2 * i].CopyTo(pair[1..]);
                level[(2 * i) + 1].CopyTo(pair[(1 + HashSize)..]);
                next[i] = SHA256.HashData(pair);
            }

            if (level.Length % 2 == 1)
            {
                next[^1] = level[^1];
            }

            level = next;
        }

        return level[0];
    }

    /// <summary>SHA-256(0x00 || encoded transaction).</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> encoded)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(encoded.Length + 1);
        try
        {
            buffer[0] = 0x00;
            encoded.CopyTo(buffer.AsSpan(1));
            return SHA256.HashData(buffer.AsSpan(0, encoded.Length + 1));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Lower-case hex, for logs, the API and SQLite keys.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
