using System.Buffers;
using System.Numerics;

namespace MeshHost.Transport.Lanes;

/// <summary>
/// A growable circular byte buffer addressed by ever-increasing logical offsets: messages are
/// appended at the tail and released from the head once acknowledged, so queuing a message copies
/// it once and allocates nothing after warm-up. Capacity doubles on demand (pooled arrays).
/// </summary>
internal sealed class ByteRing : IDisposable
{
    private byte[] _buffer;
    private ulong _head;
    private ulong _tail;

    public ByteRing(int initialCapacity = 4096)
    {
        _buffer = ArrayPool<byte>.Shared.Rent((int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(initialCapacity, 64)));
    }

    /// <summary>The offset of the oldest byte still held.</summary>
    public ulong Head => _head;

    /// <summary>The offset the next append gets.</summary>
    public ulong Tail => _tail;

    /// <summary>The bytes held.</summary>
    public int Count => (int)(_tail - _head);

    /// <summary>Appends <paramref name="data"/> and returns its logical offset.</summary>
    public ulong Append(ReadOnlySpan<byte> data)
    {
        EnsureCapacity(Count + data.Length);
        ulong start = _tail;
        int mask = _buffer.Length - 1;
        int index = (int)(start & (ulong)mask);
        int first = Math.Min(data.Length, _buffer.Length - index);
        data.Slice(0, first).CopyTo(_buffer.AsSpan(index));
        data.Slice(first).CopyTo(_buffer);
        _tail += (ulong)data.Length;
        return start;
    }

    /// <summary>Copies the held bytes at <paramref name="offset"/> into <paramref name="destination"/>.</summary>
    public void CopyTo(ulong offset, Span<byte> destination)
    {
        if (offset < _head || offset + (ulong)destination.Length > _tail)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The range is not held by the ring.");
        }

        int mask = _buffer.Length - 1;
        int index = (int)(offset & (ulong)mask);
        int first = Math.Min(destination.Length, _buffer.Length - index);
        _buffer.AsSpan(index, first).CopyTo(destination);
        _buffer.AsSpan(0, destination.Length - first).CopyTo(destination.Slice(first));
    }

    /// <summary>Releases every byte before <paramref name="offset"/>.</summary>
    public void ReleaseTo(ulong offset)
    {
        if (offset > _head)
        {
            _head = Math.Min(offset, _tail);
        }
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _buffer.Length)
        {
            return;
        }

        int size = (int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)needed), (uint)Array.MaxLength);
        byte[] larger = ArrayPool<byte>.Shared.Rent(size);
        if (!BitOperations.IsPow2(larger.Length))
        {
            // The pool may hand out a larger array; only a power-of-two length works with the mask.
            ArrayPool<byte>.Shared.Return(larger);
            larger = new byte[size];
        }

        // Every byte keeps its logical offset, so it moves to (offset & newMask), in up to two pieces.
        int count = Count;
        int start = (int)(_head & (ulong)(larger.Length - 1));
        int first = Math.Min(count, larger.Length - start);
        CopyTo(_head, larger.AsSpan(start, first));
        CopyTo(_head + (ulong)first, larger.AsSpan(0, count - first));
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
