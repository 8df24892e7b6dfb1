using System.Buffers.Binary;
using System.Security.Cryptography;
using MeshHost.Plugins.FileShare.Content;

namespace MeshHost.Plugins.FileShare.Storage;

/// <summary>
/// The verified-block bitfield of a part file, on disk as
/// <c>"MHBS" | version u16 | reserved u16 | size i64 | piece size i32 | block count i32 | root (32) | bits | SHA-256 of all before (32)</c>,
/// little-endian. Written to a temporary file, flushed, then moved over the old one, so a crash leaves
/// either the old or the new sidecar, never a torn one.
/// </summary>
internal static class BlockStoreSidecar
{
    private const int HeaderSize = 4 + 2 + 2 + 8 + 4 + 4 + MerkleHash.HashSize;
    private const ushort Version = 1;
    private static ReadOnlySpan<byte> Magic => "MHBS"u8;

    /// <summary>Writes the sidecar atomically (temp file, rename); <paramref name="durable"/> fsyncs it before the rename.</summary>
    public static void Write(string path, MerkleTree tree, ReadOnlySpan<byte> bits, bool durable = true)
    {
        byte[] content = new byte[HeaderSize + bits.Length + MerkleHash.HashSize];
        Span<byte> span = content;
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], tree.Size);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], tree.PieceSize);
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], tree.BlockCount);
        tree.Root.CopyTo(span[24..]);
        bits.CopyTo(span[HeaderSize..]);
        SHA256.HashData(span[..^MerkleHash.HashSize], span[^MerkleHash.HashSize..]);

        string temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, System.IO.FileShare.None, bufferSize: 0))
        {
            file.Write(content);
            file.Flush(flushToDisk: durable);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The bits the sidecar claims, or null when it is missing, damaged or for another file.</summary>
    public static byte[]? Read(string path, MerkleTree tree)
    {
        int bitsLength = (tree.BlockCount + 7) / 8;
        int expected = HeaderSize + bitsLength + MerkleHash.HashSize;
        byte[] content;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length != expected)
            {
                return null;
            }

            content = File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return null;
        }

        ReadOnlySpan<byte> span = content;
        Span<byte> hash = stackalloc byte[MerkleHash.HashSize];
        SHA256.HashData(span[..^MerkleHash.HashSize], hash);
        bool matches = content.Length == expected
            && span[..4].SequenceEqual(Magic)
            && BinaryPrimitives.ReadUInt16LittleEndian(span[4..]) == Version
            && BinaryPrimitives.ReadInt64LittleEndian(span[8..]) == tree.Size
            && BinaryPrimitives.ReadInt32LittleEndian(span[16..]) == tree.PieceSize
            && BinaryPrimitives.ReadInt32LittleEndian(span[20..]) == tree.BlockCount
            && span.Slice(24, MerkleHash.HashSize).SequenceEqual(tree.Root)
            && hash.SequenceEqual(span[^MerkleHash.HashSize..]);
        return matches ? span.Slice(HeaderSize, bitsLength).ToArray() : null;
    }
}
