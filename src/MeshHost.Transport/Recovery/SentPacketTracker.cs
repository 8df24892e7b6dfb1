using System.Diagnostics;
using MeshHost.Transport.Frames;

namespace MeshHost.Transport.Recovery;

/// <summary>
/// The sent packets of one packet number space and the loss detection over them (RFC 9002 §6 and
/// Appendix A): acknowledgements, packet- and time-threshold loss, the probe timeout, and the
/// congestion signals they produce. Packets live in a ring buffer ordered by packet number that
/// grows by doubling up to a bound; acknowledged and lost packets are dropped from its front.
/// Single-threaded (the session's lock) and allocation-free once the ring has grown.
/// </summary>
internal sealed class SentPacketTracker
{
    /// <summary>kPacketThreshold: a packet is lost once one sent this many numbers later is acknowledged.</summary>
    public const int PacketThreshold = 3;

    /// <summary>kPersistentCongestionThreshold, in PTOs.</summary>
    public const int PersistentCongestionThreshold = 3;

    /// <summary>How many probes the handler is asked for on each PTO: two, so one lost probe does not cost another, doubled, timeout.</summary>
    public const int ProbesPerTimeout = 2;

    private const int MaxBackoffShift = 30;

    private const byte Outstanding = 0;
    private const byte NewlyAcked = 1;
    private const byte Acked = 2;
    private const byte Lost = 3;

    private readonly int _maxPackets;
    private SentPacket[] _packets;
    private byte[] _states;
    private int _head;
    private int _count; // ring entries, including acknowledged or lost ones not yet dropped from the front
    private int _outstanding;
    private int _ackElicitingInFlight;
    private long _timeOfLastAckEliciting;
    private ulong _largestSent;
    private bool _anySent;
    private ulong _largestAcked;
    private bool _anyAcked;
    private long _lossTime = long.MaxValue;

    // Packets sent before the first RTT sample never start a persistent congestion period (RFC 9002 §7.6.2).
    private long _firstRttSampleTime;

    /// <param name="rtt">The path's RTT estimator (it may already hold the handshake's sample).</param>
    /// <param name="congestion">Receives every send, acknowledgement and loss of in-flight packets.</param>
    /// <param name="maxAckDelay">The peer's max_ack_delay in µs.</param>
    /// <param name="maxTrackedPackets">The bound on the ring: <see cref="IsFull"/> beyond it.</param>
    /// <param name="initialCapacity">Packets allocated up front.</param>
    public SentPacketTracker(
        RttEstimator rtt,
        ICongestionController congestion,
        long maxAckDelay = 5_000,
        int maxTrackedPackets = 16_384,
        int initialCapacity = 256)
    {
        ArgumentNullException.ThrowIfNull(rtt);
        ArgumentNullException.ThrowIfNull(congestion);
        ArgumentOutOfRangeException.ThrowIfNegative(maxAckDelay);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTrackedPackets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialCapacity, 1);
        Rtt = rtt;
        CongestionController = congestion;
        MaxAckDelay = maxAckDelay;
        _maxPackets = maxTrackedPackets;
        int capacity = Math.Min(initialCapacity, maxTrackedPackets);
        _packets = new SentPacket[capacity];
        _states = new byte[capacity];
        _firstRttSampleTime = rtt.HasSample ? long.MinValue : long.MaxValue;
    }

    public RttEstimator Rtt { get; }

    public ICongestionController CongestionController { get; }

    /// <summary>The peer's max_ack_delay in µs, used by the PTO and persistent congestion.</summary>
    public long MaxAckDelay { get; set; }

    /// <summary>Consecutive probe timeouts without an acknowledgement: the PTO's backoff exponent.</summary>
    public int PtoCount { get; private set; }

    /// <summary>Packets neither acknowledged nor declared lost.</summary>
    public int OutstandingCount => _outstanding;

    public int AckElicitingInFlight => _ackElicitingInFlight;

    /// <summary>No more packets can be tracked: the session must stop sending until acknowledgements or losses free room.</summary>
    public bool IsFull => _count == _maxPackets;

    public bool HasLargestAcked => _anyAcked;

    public ulong LargestAcked => _largestAcked;

    public bool HasSent => _anySent;

    public ulong LargestSent => _largestSent;

    /// <summary>
    /// Notes a packet that needs no tracking (it elicits no acknowledgement and carries nothing to
    /// resend: an ACK-only packet), so that its number still counts as sent. Storing such packets
    /// would let a peer that never acknowledges fill the ring with our ACKs.
    /// </summary>
    public void OnUntrackedPacketSent(ulong packetNumber)
    {
        if (_anySent && packetNumber <= _largestSent)
        {
            throw new ArgumentException("Packet numbers must strictly increase.", nameof(packetNumber));
        }

        _largestSent = packetNumber;
        _anySent = true;
    }

    /// <summary>Records a sent packet; packet numbers must be strictly increasing and the tracker not full.</summary>
    public void OnPacketSent(in SentPacket packet)
    {
        if (_anySent && packet.PacketNumber <= _largestSent)
        {
            throw new ArgumentException("Packet numbers must strictly increase.", nameof(packet));
        }

        if (_count == _packets.Length)
        {
            Grow();
        }

        int slot = Slot(_count);
        _packets[slot] = packet;
        _states[slot] = Outstanding;
        _count++;
        _outstanding++;
        _largestSent = packet.PacketNumber;
        _anySent = true;

        if (_firstRttSampleTime == long.MaxValue && Rtt.HasSample)
        {
            // Someone else (the handshake) took the first sample.
            _firstRttSampleTime = packet.TimeSent;
        }

        if (packet.InFlight)
        {
            if (packet.AckEliciting)
            {
                _ackElicitingInFlight++;
                _timeOfLastAckEliciting = packet.TimeSent;
            }

            CongestionController.OnPacketSent(packet.TimeSent, packet.Size);
        }
    }

    /// <summary>
    /// A path-MTU probe the local stack refused to send (larger than the interface's MTU with DF
    /// set): it never left, so it leaves flight at once, with no congestion response, instead of
    /// holding the congestion window until the loss timer declares it lost. A first probe is far
    /// larger than a new session's window, so waiting held every reply of a new session for the
    /// first probe timeout (about a second).
    /// </summary>
    /// <returns>True when the packet was an outstanding probe and is gone now.</returns>
    public bool DiscardRefusedProbe(ulong packetNumber, IRecoveryHandler handler)
    {
        for (int i = _count - 1; i >= 0; i--)
        {
            int slot = Slot(i);
            if (_packets[slot].PacketNumber != packetNumber)
            {
                continue;
            }

            SentPacket packet = _packets[slot];
            if (_states[slot] != Outstanding || !packet.IsPathMtuProbe)
            {
                return false;
            }

            _states[slot] = Lost;
            _outstanding--;
            if (packet.InFlight)
            {
                if (packet.AckEliciting)
                {
                    _ackElicitingInFlight--;
                }

                CongestionController.OnPacketDiscarded(packet.Size);
            }

            handler.OnPacketLost(in packet); // whatever rode in it (an ACK, MAX_DATA, a path frame) goes again
            return true;
        }

        return false;
    }

    /// <summary>The oldest packet still awaiting acknowledgement or loss; false when none is.</summary>
    public bool TryGetOldestOutstanding(out SentPacket packet)
    {
        for (int i = 0; i < _count; i++)
        {
            int slot = Slot(i);
            if (_states[slot] == Outstanding)
            {
                packet = _packets[slot];
                return true;
            }
        }

        packet = default;
        return false;
    }

    /// <summary>
    /// Processes an ACK frame's ranges (newest first, as <see cref="AckFrame.TryRead"/> returns
    /// them) and its ack delay in µs: reports newly acknowledged packets, samples the RTT, detects
    /// losses and informs the congestion controller. A protocol violation changes nothing.
    /// </summary>
    public AckOutcome OnAckReceived(ReadOnlySpan<AckRange> ranges, long ackDelay, long now, IRecoveryHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        AckStatus status = Validate(ranges);
        if (status != AckStatus.Ok)
        {
            return new AckOutcome(status, 0, 0, false, false);
        }

        ulong largestInFrame = ranges[0].Largest;
        if (!_anyAcked || largestInFrame > _largestAcked)
        {
            _largestAcked = largestInFrame;
            _anyAcked = true;
        }

        // Pass 1, oldest range first so the handler sees increasing packet numbers.
        int newlyAcked = 0;
        int firstTouched = int.MaxValue;
        int lastTouched = -1;
        bool anyAckEliciting = false;
        bool largestIsNew = false;
        long largestTimeSent = 0;
        for (int r = ranges.Length - 1; r >= 0; r--)
        {
            AckRange range = ranges[r];
            for (int i = LowerBound(range.Smallest); i < _count; i++)
            {
                int slot = Slot(i);
                ref readonly SentPacket packet = ref _packets[slot];
                if (packet.PacketNumber > range.Largest)
                {
                    break;
                }

                if (_states[slot] != Outstanding)
                {
                    continue;
                }

                _states[slot] = NewlyAcked;
                _outstanding--;
                newlyAcked++;
                firstTouched = Math.Min(firstTouched, i);
                lastTouched = i;
                if (packet.AckEliciting)
                {
                    anyAckEliciting = true;
                    if (packet.InFlight)
                    {
                        _ackElicitingInFlight--;
                    }
                }

                if (packet.PacketNumber == largestInFrame)
                {
                    largestIsNew = true;
                    largestTimeSent = packet.TimeSent;
                }

                handler.OnPacketAcked(in packet);
            }
        }

        if (newlyAcked == 0)
        {
            return new AckOutcome(AckStatus.Ok, 0, 0, false, false);
        }

        bool rttSampled = false;
        if (largestIsNew && anyAckEliciting)
        {
            if (!Rtt.HasSample)
            {
                _firstRttSampleTime = now;
            }

            Rtt.Update(now - largestTimeSent, ackDelay, MaxAckDelay);
            rttSampled = true;
        }

        // Losses before acknowledgements: the congestion event must start the recovery period
        // before the acknowledged bytes are offered to the window (RFC 9002 A.7, B.5).
        int lost = DetectLostPackets(now, handler, out bool persistentCongestion);

        // Pass 2: the window learns of the acknowledged bytes.
        for (int i = firstTouched; i <= lastTouched; i++)
        {
            int slot = Slot(i);
            if (_states[slot] != NewlyAcked)
            {
                continue;
            }

            _states[slot] = Acked;
            ref readonly SentPacket packet = ref _packets[slot];
            if (packet.InFlight)
            {
                CongestionController.OnPacketAcked(packet.TimeSent, packet.Size, now);
            }
        }

        PtoCount = 0;
        DropSettledFront();
        return new AckOutcome(AckStatus.Ok, newlyAcked, lost, rttSampled, persistentCongestion);
    }

    /// <summary>
    /// When <see cref="OnLossDetectionTimeout"/> is next due (never earlier than
    /// <paramref name="now"/>), or <see cref="long.MaxValue"/> when no timer is needed.
    /// </summary>
    public long LossDetectionTimer(long now)
    {
        long deadline = Deadline();
        return deadline == long.MaxValue ? long.MaxValue : Math.Max(deadline, now);
    }

    /// <summary>
    /// Runs the loss detection timer: declares time-threshold losses if that is what is due,
    /// otherwise counts a probe timeout and asks the handler for probes. Does nothing if called
    /// before the deadline.
    /// </summary>
    public void OnLossDetectionTimeout(long now, IRecoveryHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        long deadline = Deadline();
        if (deadline == long.MaxValue || now < deadline)
        {
            return;
        }

        if (_lossTime != long.MaxValue)
        {
            DetectLostPackets(now, handler, out _);
            DropSettledFront();
            return;
        }

        PtoCount++;
        handler.OnProbeTimeout(ProbesPerTimeout);
    }

    /// <summary>The current probe timeout with backoff: PTO × 2^PtoCount.</summary>
    public long ProbeTimeoutWithBackoff()
    {
        long pto = Rtt.ProbeTimeout(MaxAckDelay);
        int shift = Math.Min(PtoCount, MaxBackoffShift);
        return pto > (long.MaxValue / 4) >> shift ? long.MaxValue / 4 : pto << shift;
    }

    private long Deadline()
    {
        if (_lossTime != long.MaxValue)
        {
            return _lossTime;
        }

        if (_ackElicitingInFlight == 0)
        {
            return long.MaxValue;
        }

        long backoff = ProbeTimeoutWithBackoff();
        return _timeOfLastAckEliciting > long.MaxValue - backoff ? long.MaxValue - 1 : _timeOfLastAckEliciting + backoff;
    }

    private AckStatus Validate(ReadOnlySpan<AckRange> ranges)
    {
        if (ranges.IsEmpty)
        {
            return AckStatus.InvalidRanges;
        }

        for (int i = 0; i < ranges.Length; i++)
        {
            if (ranges[i].Smallest > ranges[i].Largest || (i > 0 && ranges[i].Largest >= ranges[i - 1].Smallest))
            {
                return AckStatus.InvalidRanges;
            }
        }

        return !_anySent || ranges[0].Largest > _largestSent ? AckStatus.AcknowledgesUnsentPacket : AckStatus.Ok;
    }

    /// <summary>RFC 9002 A.10, plus the persistent congestion check of B.8 over the packets it declares lost.</summary>
    private int DetectLostPackets(long now, IRecoveryHandler handler, out bool persistentCongestion)
    {
        _lossTime = long.MaxValue;
        persistentCongestion = false;
        if (!_anyAcked)
        {
            return 0;
        }

        long lossDelay = Math.Max(Math.Max(Rtt.LatestRtt, Rtt.SmoothedRtt) * 9 / 8, RttEstimator.Granularity);
        long lostSendTime = now - lossDelay;
        long persistentDuration = Rtt.ProbeTimeout(MaxAckDelay) * PersistentCongestionThreshold;

        int lost = 0;
        bool congestion = false;
        long largestLostTime = long.MinValue;
        long periodStart = long.MinValue; // send time of the first ack-eliciting loss of the current unacknowledged run

        for (int i = 0; i < _count; i++)
        {
            int slot = Slot(i);
            ref readonly SentPacket packet = ref _packets[slot];
            if (packet.PacketNumber > _largestAcked)
            {
                break;
            }

            byte state = _states[slot];
            if (state == Lost)
            {
                continue;
            }

            if (state != Outstanding)
            {
                // An acknowledged packet between two losses means the path delivered meanwhile.
                periodStart = long.MinValue;
                continue;
            }

            bool isLost = packet.TimeSent <= lostSendTime || _largestAcked - packet.PacketNumber >= PacketThreshold;
            if (!isLost)
            {
                _lossTime = Math.Min(_lossTime, packet.TimeSent + lossDelay);
                periodStart = long.MinValue;
                continue;
            }

            _states[slot] = Lost;
            _outstanding--;
            lost++;
            if (packet.InFlight)
            {
                if (packet.AckEliciting)
                {
                    _ackElicitingInFlight--;
                }

                if (packet.IsPathMtuProbe)
                {
                    CongestionController.OnPacketDiscarded(packet.Size);
                }
                else
                {
                    CongestionController.OnPacketLost(packet.Size);
                    congestion = true;
                    largestLostTime = Math.Max(largestLostTime, packet.TimeSent);

                    if (packet.AckEliciting && packet.TimeSent >= _firstRttSampleTime)
                    {
                        if (periodStart == long.MinValue)
                        {
                            periodStart = packet.TimeSent;
                        }
                        else if (packet.TimeSent - periodStart > persistentDuration)
                        {
                            persistentCongestion = true;
                        }
                    }
                }
            }

            handler.OnPacketLost(in packet);
        }

        if (congestion)
        {
            CongestionController.OnCongestionEvent(largestLostTime, now);
        }

        if (persistentCongestion)
        {
            CongestionController.OnPersistentCongestion();
        }

        return lost;
    }

    private void DropSettledFront()
    {
        while (_count > 0 && _states[_head] != Outstanding)
        {
            _head = _head + 1 == _packets.Length ? 0 : _head + 1;
            _count--;
        }

        if (_count == 0)
        {
            _head = 0;
        }
    }

    /// <summary>The ring position of the first packet numbered at least <paramref name="packetNumber"/>, or the count.</summary>
    private int LowerBound(ulong packetNumber)
    {
        int lo = 0;
        int hi = _count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_packets[Slot(mid)].PacketNumber < packetNumber)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private int Slot(int index)
    {
        int slot = _head + index;
        return slot >= _packets.Length ? slot - _packets.Length : slot;
    }

    private void Grow()
    {
        if (_packets.Length >= _maxPackets)
        {
            throw new InvalidOperationException("The sent packet tracker is full; check IsFull before sending.");
        }

        int size = (int)Math.Min((long)_packets.Length * 2, _maxPackets);
        var packets = new SentPacket[size];
        var states = new byte[size];
        for (int i = 0; i < _count; i++)
        {
            int slot = Slot(i);
            packets[i] = _packets[slot];
            states[i] = _states[slot];
        }

        Debug.Assert(_count == _packets.Length);
        _packets = packets;
        _states = states;
        _head = 0;
    }
}
