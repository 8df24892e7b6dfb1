using System.Buffers;
using MeshHost.MessagePack;

namespace MeshHost.Plugins.FileShare.Protocol;

/// <summary>
/// The blocks a <see cref="BlockResponse"/> carries. A received one lives in an array rented from the
/// shared pool (<see cref="BlockDataFormatter"/>), which <see cref="Dispose"/> returns once the blocks are
/// verified and written: a download then reuses a few hot arrays instead of allocating a 256 KiB
/// large-object array per response, which cost the downloader about a tenth of its CPU in background
/// collections and page zeroing (docs/benchmarks.md, "File sharing").
/// </summary>
/// <remarks>
/// Not thread-safe: one owner reads it and disposes it. A value made with <see cref="Wrap"/> owns
/// nothing and its <see cref="Dispose"/> only empties it. Reading after <see cref="Dispose"/> sees no bytes.
/// A seeder's value made with <see cref="RentForSending"/> goes back to the pool as soon as the mesh has
/// serialized the response (the handler hands the response over and never sees it again); should it be
/// serialized a second time it would go out empty, which the asker rejects as a wrong length, never as
/// other bytes.
/// </remarks>
internal sealed class BlockData : IDisposable
{
    private byte[] _array;
    private int _length;
    private bool _rented;
    private bool _releaseWhenSerialized;

    private BlockData(byte[] array, int length, bool rented)
    {
        _array = array;
        _length = length;
        _rented = rented;
    }

    /// <summary>No bytes.</summary>
    public static BlockData Empty => new([], 0, rented: false);

    /// <summary>How many bytes.</summary>
    public int Length => _length;

    /// <summary>The bytes (empty once disposed).</summary>
    public ReadOnlySpan<byte> Span => _array.AsSpan(0, _length);

    /// <summary>Carries <paramref name="bytes"/> as they are (the caller keeps them unchanged until sent).</summary>
    public static BlockData Wrap(byte[] bytes) => new(bytes, bytes.Length, rented: false);

    /// <summary>A copy of <paramref name="bytes"/> in a rented array (returned by <see cref="Dispose"/>).</summary>
    public static BlockData RentCopy(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return Empty;
        }

        byte[] array = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(array);
        return new BlockData(array, bytes.Length, rented: true);
    }

    /// <summary>
    /// A rented array of <paramref name="length"/> bytes for a response the caller fills through
    /// <see cref="Writable"/>; returned to the pool once serialized (or by <see cref="Dispose"/>).
    /// </summary>
    public static BlockData RentForSending(int length)
    {
        byte[] array = length == 0 ? [] : ArrayPool<byte>.Shared.Rent(length);
        return new BlockData(array, length, rented: length > 0) { _releaseWhenSerialized = true };
    }

    /// <summary>The bytes, writable (for the owner filling a <see cref="RentForSending"/> value).</summary>
    public Span<byte> Writable => _array.AsSpan(0, _length);

    /// <summary>Called by <see cref="BlockDataFormatter"/> once the bytes are written out.</summary>
    internal void OnSerialized()
    {
        if (_releaseWhenSerialized)
        {
            Dispose();
        }
    }

    /// <summary>Returns a rented array to the pool.</summary>
    public void Dispose()
    {
        byte[] array = _array;
        bool rented = _rented;
        _array = [];
        _length = 0;
        _rented = false;
        if (rented)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}

/// <summary>Writes <see cref="BlockData"/> as MessagePack binary (wire-identical to a <c>byte[]</c>); reads it into a rented array.</summary>
internal readonly struct BlockDataFormatter : IMessagePackFormatter<BlockData>
{
    public void Serialize(ref MessagePackWriter writer, BlockData value)
    {
        writer.WriteBinary(value.Span);
        value.OnSerialized();
    }

    public BlockData Deserialize(ref MessagePackReader reader) =>
        reader.TryReadNil() ? BlockData.Empty : BlockData.RentCopy(reader.ReadBinarySpan());
}
