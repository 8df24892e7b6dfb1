using System.Buffers;
using MeshHost.Transport.Recovery;

namespace MeshHost.Transport.Lanes;

/// <summary>What adding a fragment to an <see cref="IncomingMessage"/> did.</summary>
internal enum FragmentResult
{
    /// <summary>New bytes were copied in.</summary>
    Added,

    /// <summary>Every byte was already there (a retransmission or a duplicate).</summary>
    Duplicate,

    /// <summary>The message is split into more separate pieces than any real sender produces (see <see cref="IncomingMessage"/>).</summary>
    TooFragmented,
}

/// <summary>
/// A message being reassembled from fragments (or held until its turn in an ordered lane), in a
/// pooled buffer. Instances are pooled by the session.
/// </summary>
/// <remarks>
/// The received ranges are counted as they arrive, so adding a fragment costs the size of the
/// range set, not a scan of it. The set is bounded at one interval per KiB of message plus 64:
/// a sender that fragments at packet boundaries leaves at most one gap per lost packet, far fewer,
/// while a peer that sends one-byte fragments at every other offset is refused instead of making
/// each insertion slower.
/// </remarks>
internal sealed class IncomingMessage
{
    private RangeSet? _received;
    private int _covered;
    private int _maxIntervals;

    public byte[] Buffer { get; private set; } = [];

    public int TotalLength { get; private set; }

    /// <summary>Whether it counts against flow-control credit (rather than the session's cap for other data).</summary>
    public bool FlowControlled { get; private set; }

    /// <summary>When it started arriving, as a session-wide counter: the order of eviction.</summary>
    public long Arrival { get; set; }

    public bool IsComplete => _covered == TotalLength;

    public void Reset(int totalLength, bool flowControlled)
    {
        TotalLength = totalLength;
        FlowControlled = flowControlled;
        Buffer = totalLength == 0 ? [] : ArrayPool<byte>.Shared.Rent(totalLength);
        _covered = 0;
        _maxIntervals = (totalLength / 1024) + 64;
        _received?.Clear();
    }

    /// <summary>Copies a fragment in.</summary>
    public FragmentResult Add(int offset, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return FragmentResult.Duplicate;
        }

        if (offset == 0 && data.Length == TotalLength && _covered == 0)
        {
            // A whole message held out of order: no range bookkeeping needed.
            data.CopyTo(Buffer);
            _covered = TotalLength;
            return FragmentResult.Added;
        }

        _received ??= new RangeSet(maxIntervals: 1 << 20);
        if (_covered == TotalLength)
        {
            return FragmentResult.Duplicate;
        }

        if (_covered > 0 && _received.IsEmpty)
        {
            // Only a whole copy arrived before, and a whole copy covers everything (handled above).
            return FragmentResult.Duplicate;
        }

        _received.Add((ulong)offset, (ulong)offset + (ulong)data.Length, out ulong added);
        if (_received.Count > _maxIntervals)
        {
            return FragmentResult.TooFragmented;
        }

        if (added == 0)
        {
            return FragmentResult.Duplicate;
        }

        // Copy the whole fragment: any overlap carries identical bytes (same message, same offsets).
        data.CopyTo(Buffer.AsSpan(offset));
        _covered += (int)added;
        return FragmentResult.Added;
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
        _covered = 0;
        _received?.Clear();
    }
}
