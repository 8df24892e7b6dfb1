using System.Buffers;

namespace MeshHost.MessagePack.Tests.Support;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that honours the contract as tightly as it may: every
/// <see cref="GetSpan"/> hands out a fresh array only a few bytes longer than asked, so values
/// land across many separate segments and most segments end part-used.
/// </summary>
internal sealed class SegmentedBufferWriter(Random random, int maxExtra) : IBufferWriter<byte>
{
    private readonly List<byte[]> _committed = [];
    private byte[] _current = [];

    public int GetSpanCalls { get; private set; }

    public int SegmentCount => _committed.Count;

    public void Advance(int count)
    {
        Assert.InRange(count, 0, _current.Length);
        if (count > 0)
        {
            _committed.Add(_current.AsSpan(0, count).ToArray());
        }

        // A span may be used for one Advance only.
        _current = [];
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        GetSpanCalls++;
        _current = new byte[Math.Max(sizeHint, 1) + random.Next(0, maxExtra + 1)];
        random.NextBytes(_current); // garbage, so a byte the writer forgets to set shows up
        return _current;
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public byte[] ToArray()
    {
        var all = new List<byte>();
        foreach (byte[] segment in _committed)
        {
            all.AddRange(segment);
        }

        return [.. all];
    }
}

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that breaks the contract: it hands out 1 to 7 bytes whatever
/// was asked, as a careless custom output might.
/// </summary>
internal sealed class StingyBufferWriter(Random random) : IBufferWriter<byte>
{
    private readonly List<byte> _written = [];
    private byte[] _current = [];

    public void Advance(int count)
    {
        Assert.InRange(count, 0, _current.Length);
        _written.AddRange(_current.AsSpan(0, count).ToArray());
        _current = [];
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        _current = new byte[random.Next(1, 8)];
        return _current;
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public byte[] ToArray() => [.. _written];
}

/// <summary>A segment of a hand-built multi-segment <see cref="ReadOnlySequence{T}"/>.</summary>
internal sealed class Segment : ReadOnlySequenceSegment<byte>
{
    public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public Segment Append(ReadOnlyMemory<byte> memory)
    {
        var next = new Segment(memory, RunningIndex + Memory.Length);
        Next = next;
        return next;
    }

    /// <summary>Splits <paramref name="bytes"/> into segments of 1 to <paramref name="maxChunk"/> bytes (empty segments included when <paramref name="withEmpty"/>).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, Random random, int maxChunk, bool withEmpty = false)
    {
        var first = new Segment(ReadOnlyMemory<byte>.Empty, 0);
        Segment last = first;
        int position = 0;
        while (position < bytes.Length)
        {
            if (withEmpty && random.Next(4) == 0)
            {
                last = last.Append(ReadOnlyMemory<byte>.Empty);
            }

            int chunk = Math.Min(random.Next(1, maxChunk + 1), bytes.Length - position);
            // Copy each chunk into its own array so no segment can see its neighbours' bytes.
            last = last.Append(bytes.AsSpan(position, chunk).ToArray());
            position += chunk;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
