using MeshHost.Transport.Frames;

namespace MeshHost.Transport.Recovery;

/// <summary>
/// The packet numbers received in one packet number space: replay detection and ACK generation
/// (RFC 9000 §13.2, docs/transport.md). An ACK is due after two ack-eliciting packets, at once
/// when an ack-eliciting packet arrives out of order, and otherwise max_ack_delay after the first
/// unacknowledged ack-eliciting packet. Memory is bounded: numbers more than
/// <see cref="DuplicateWindow"/> below the largest, or below the oldest range kept, count as
/// already received. Single-threaded and allocation-free after construction.
/// </summary>
internal sealed class ReceivedPacketTracker
{
    /// <summary>How far below the largest received number a packet is still accepted.</summary>
    public const ulong DuplicateWindow = 1UL << 16;

    private readonly RangeSet _received;
    private readonly AckRange[] _frameRanges = new AckRange[AckFrame.MaxRangesWritten];
    private ulong _floor; // every number below counts as received
    private ulong _largest;
    private bool _any;
    private long _largestReceivedTime;
    private int _ackElicitingSinceAck;
    private long _firstUnackedAckElicitingTime = long.MaxValue;
    private bool _ackImmediately;

    /// <param name="maxAckDelay">Our max_ack_delay in µs: how long an ACK may be held back.</param>
    /// <param name="maxRanges">The most disjoint ranges remembered (at least 2); the oldest are forgotten first.</param>
    public ReceivedPacketTracker(long maxAckDelay = 5_000, int maxRanges = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxAckDelay);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRanges, 2);
        MaxAckDelay = maxAckDelay;
        _received = new RangeSet(maxRanges, Math.Min(maxRanges, 16));
    }

    public long MaxAckDelay { get; }

    public bool HasReceived => _any;

    public ulong LargestReceived => _largest;

    /// <summary>Packets were received since the last ACK was sent (ack-eliciting or not).</summary>
    public bool HasAckToSend { get; private set; }

    /// <summary>An ACK should go out now: two ack-eliciting packets since the last one, or one that arrived out of order.</summary>
    public bool AckRequiredNow => _ackImmediately || _ackElicitingSinceAck >= 2;

    /// <summary>
    /// When an ACK must go out at the latest: the first unacknowledged ack-eliciting arrival plus
    /// max_ack_delay, or <see cref="long.MaxValue"/> when no ack-eliciting packet awaits one.
    /// </summary>
    public long AckDeadline =>
        _firstUnackedAckElicitingTime == long.MaxValue ? long.MaxValue : _firstUnackedAckElicitingTime + MaxAckDelay;

    /// <summary>The number of disjoint ranges remembered.</summary>
    public int RangeCount => _received.Count;

    /// <summary>Whether <paramref name="packetNumber"/> was already received, or is too old to tell (a replay either way).</summary>
    public bool IsDuplicate(ulong packetNumber) => packetNumber < _floor || _received.Contains(packetNumber);

    /// <summary>Rebuilds a full packet number from the 32 bits on the wire, relative to the largest received.</summary>
    public ulong DecodePacketNumber(uint truncated32) =>
        PacketNumberDecoding.DecodePacketNumber(_any ? _largest : ulong.MaxValue, truncated32);

    /// <summary>Records a packet that opened successfully; a duplicate is ignored.</summary>
    public void OnPacketReceived(ulong packetNumber, bool ackEliciting, long now)
    {
        if (IsDuplicate(packetNumber))
        {
            return;
        }

        // Out of order: older than the largest (a reordering or a late fill) or beyond a gap,
        // counting the numbers before the first packet as a gap too.
        bool outOfOrder = _any ? packetNumber < _largest || packetNumber > _largest + 1 : packetNumber > 0;
        Record(packetNumber);

        if (!_any || packetNumber > _largest)
        {
            _largest = packetNumber;
            _largestReceivedTime = now;
            _any = true;
            if (_largest > DuplicateWindow && _largest - DuplicateWindow > _floor)
            {
                _floor = _largest - DuplicateWindow;
                _received.RemoveBelow(_floor);
            }
        }

        HasAckToSend = true;
        if (ackEliciting)
        {
            _ackElicitingSinceAck++;
            if (_firstUnackedAckElicitingTime == long.MaxValue)
            {
                _firstUnackedAckElicitingTime = now;
            }

            _ackImmediately |= outOfOrder;
        }
    }

    /// <summary>
    /// Writes an ACK frame (type byte included) for the newest ranges, at most
    /// <see cref="AckFrame.MaxRangesWritten"/> and as many as fit, with the time since the largest
    /// arrived as the ack delay. Returns the bytes written, or 0 when nothing was received or
    /// <paramref name="destination"/> is too small. Call <see cref="OnAckSent"/> once the packet
    /// carrying it is sent.
    /// </summary>
    public int WriteAckFrame(Span<byte> destination, long now)
    {
        int count = Math.Min(_received.Count, _frameRanges.Length);
        if (count == 0)
        {
            return 0;
        }

        for (int i = 0; i < count; i++)
        {
            Interval interval = _received[_received.Count - 1 - i];
            _frameRanges[i] = new AckRange(interval.Start, interval.End - 1);
        }

        return AckFrame.Write(destination, _frameRanges.AsSpan(0, count), Math.Max(now - _largestReceivedTime, 0));
    }

    /// <summary>An ACK covering everything received so far was sent: the delayed-ACK state starts over.</summary>
    public void OnAckSent()
    {
        _ackElicitingSinceAck = 0;
        _firstUnackedAckElicitingTime = long.MaxValue;
        _ackImmediately = false;
        HasAckToSend = false;
    }

    private void Record(ulong packetNumber)
    {
        if (_received.Add(packetNumber))
        {
            return;
        }

        // Full, and the number starts a new range. Memory stays bounded by forgetting the oldest
        // range and treating everything below what remains as received: a replay of a forgotten
        // packet is then refused rather than accepted twice.
        if (packetNumber < _received.Min)
        {
            _floor = packetNumber + 1;
            return;
        }

        _received.RemoveFirst();
        _floor = _received.Min;
        if (packetNumber >= _floor)
        {
            _received.Add(packetNumber);
        }
    }
}
