using System.Buffers;
using MeshHost.Transport.Recovery;

namespace MeshHost.Transport.Lanes;

/// <summary>
/// A message being reassembled from fragments (or held until its turn in an ordered lane), in a
/// pooled buffer. Instances are pooled by the session.
/// </summary>
internal sealed class IncomingMessage
{
    // Loss can leave many gaps in a large message; the set grows lazily and each interval stands for
    // at least one received byte, so its size stays proportional to the message.
    private readonly RangeSet _received = new(maxIntervals: 1 << 20);

    public byte[] Buffer { get; private set; } = [];

    public int TotalLength { get; private set; }

    /// <summary>Whether it counts against flow-control credit (rather than the session's cap for other data).</summary>
    public bool FlowControlled { get; private set; }

    /// <summary>When it started arriving, as a session-wide counter: the order of eviction.</summary>
    public long Arrival { get; set; }

    public bool IsComplete => TotalLength == 0 || (_received.Count == 1 && _received[0].Start == 0 && _received[0].End >= (ulong)TotalLength);

    public void Reset(int totalLength, bool flowControlled)
    {
        TotalLength = totalLength;
        FlowControlled = flowControlled;
        Buffer = totalLength == 0 ? [] : ArrayPool<byte>.Shared.Rent(totalLength);
        _received.Clear();
    }

    /// <summary>Copies a fragment in; false when it brought nothing new (a duplicate) or fragmented the set beyond its bound.</summary>
    public bool Add(int offset, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return false;
        }

        int before = CoveredBytes();
        if (!_received.Add((ulong)offset, (ulong)offset + (ulong)data.Length))
        {
            return false;
        }

        data.CopyTo(Buffer.AsSpan(offset));
        return CoveredBytes() != before;
    }

    /// <summary>Returns the buffer to the pool; the instance can be reset and reused.</summary>
    public void ReturnBuffer()
    {
        if (Buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
        }

        Buffer = [];
        TotalLength = 0;
        _received.Clear();
    }

    private int CoveredBytes()
    {
        ulong covered = 0;
        foreach (Interval interval in _received)
        {
            covered += interval.Length;
        }

        return (int)covered;
    }
}
