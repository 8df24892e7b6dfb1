using System.Security.Cryptography;

namespace MeshHost.Plugins.FileShare.Content;

/// <summary>
/// The SHA-256 Merkle primitives of BEP 52: a leaf is the hash of one 16 KiB block (the file's last
/// block is hashed as it is, shorter, never padded), a node is the hash of its two children
/// concatenated, and leaves past the end of a file are 32 zero bytes, so a missing subtree of height
/// h has a fixed hash <see cref="ZeroSubtree"/>.
/// </summary>
internal static class MerkleHash
{
    /// <summary>Bytes in a SHA-256 hash.</summary>
    public const int HashSize = 32;

    /// <summary>Bytes in a leaf block, as in BEP 52.</summary>
    public const int BlockSize = 16 * 1024;

    /// <summary>The tallest tree: 2^32 blocks of 16 KiB is 64 TiB, far over <see cref="MerkleTree.MaxFileSize"/>.</summary>
    public const int MaxHeight = 32;

    private static readonly byte[] ZeroSubtrees = BuildZeroSubtrees();

    /// <summary>The hash of a subtree of <paramref name="height"/> levels whose leaves are all zero hashes.</summary>
    public static ReadOnlySpan<byte> ZeroSubtree(int height) => ZeroSubtrees.AsSpan(height * HashSize, HashSize);

    /// <summary>Writes the leaf hash of one block (at most <see cref="BlockSize"/> bytes) to <paramref name="destination"/>.</summary>
    public static void HashLeaf(ReadOnlySpan<byte> block, Span<byte> destination) => SHA256.HashData(block, destination);

    /// <summary>Writes the leaf hash of each block of <paramref name="data"/> (the last may be short), in order, to <paramref name="destination"/>.</summary>
    public static void HashLeaves(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        for (int offset = 0, i = 0; offset < data.Length; offset += BlockSize, i++)
        {
            HashLeaf(data.Slice(offset, Math.Min(BlockSize, data.Length - offset)), destination.Slice(i * HashSize, HashSize));
        }
    }

    /// <summary>Writes H(left ‖ right); <paramref name="destination"/> may overlap either input.</summary>
    public static void HashPair(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> both = stackalloc byte[2 * HashSize];
        left.CopyTo(both);
        right.CopyTo(both[HashSize..]);
        SHA256.HashData(both, destination);
    }

    /// <summary>
    /// Replaces the first <paramref name="count"/> hashes of <paramref name="layer"/> (nodes of height
    /// <paramref name="height"/>) with their parents and returns how many parents there are; a missing
    /// right sibling is the zero subtree of that height.
    /// </summary>
    public static int ReduceOneLevel(Span<byte> layer, int count, int height)
    {
        int parents = (count + 1) / 2;
        for (int i = 0; i < parents; i++)
        {
            ReadOnlySpan<byte> left = layer.Slice(2 * i * HashSize, HashSize);
            ReadOnlySpan<byte> right = 2 * i + 1 < count ? layer.Slice((2 * i + 1) * HashSize, HashSize) : ZeroSubtree(height);
            HashPair(left, right, layer.Slice(i * HashSize, HashSize));
        }

        return parents;
    }

    /// <summary>
    /// Writes the root of the subtree <paramref name="levels"/> above <paramref name="count"/> nodes of
    /// height <paramref name="height"/> (padded with zero subtrees); <paramref name="layer"/> is overwritten.
    /// </summary>
    public static void Reduce(Span<byte> layer, int count, int height, int levels, Span<byte> destination)
    {
        for (int level = 0; level < levels; level++)
        {
            count = ReduceOneLevel(layer, count, height + level);
        }

        if (count == 0)
        {
            ZeroSubtree(height + levels).CopyTo(destination);
        }
        else
        {
            layer[..HashSize].CopyTo(destination);
        }
    }

    /// <summary>The ceiling of log2(<paramref name="count"/>); 0 for 0 and 1.</summary>
    public static int CeilingLog2(long count) => count <= 1 ? 0 : 64 - (int)long.LeadingZeroCount(count - 1);

    private static byte[] BuildZeroSubtrees()
    {
        byte[] table = new byte[(MaxHeight + 1) * HashSize];
        for (int h = 1; h <= MaxHeight; h++)
        {
            Span<byte> below = table.AsSpan((h - 1) * HashSize, HashSize);
            HashPair(below, below, table.AsSpan(h * HashSize, HashSize));
        }

        return table;
    }
}
