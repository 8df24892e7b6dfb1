using MeshHost.Transport.Frames;
using MeshHost.Transport.Recovery;

namespace MeshHost.Transport.Tests.Recovery;

public class SentPacketTrackerTests
{
    private const long Ms = 1_000;

    private readonly RttEstimator _rtt = new();
    private readonly NewRenoCongestionController _cc = new(1200);
    private readonly RecordingHandler _handler = new();
    private readonly SentPacketTracker _tracker;

    public SentPacketTrackerTests() => _tracker = new SentPacketTracker(_rtt, _cc, maxAckDelay: 5 * Ms);

    [Fact]
    public void Ack_ReportsNewlyAckedInOrder_SamplesRtt_AndFeedsTheWindow()
    {
        for (ulong pn = 0; pn < 5; pn++)
        {
            Send(pn, (long)pn * Ms);
        }

        Assert.Equal(6_000, _cc.BytesInFlight);
        AckOutcome outcome = Ack(now: 100 * Ms, ackDelay: 0, (3, 4), (0, 1));
        Assert.Equal(new AckOutcome(AckStatus.Ok, 4, 0, true, false), outcome);
        Assert.Equal([0UL, 1, 3, 4], _handler.Acked);
        Assert.Equal(96 * Ms, _rtt.LatestRtt);
        Assert.Equal(1_200, _cc.BytesInFlight);
        Assert.Equal(12_000 + 4_800, _cc.CongestionWindow);
        Assert.Equal(1, _tracker.OutstandingCount);
    }

    [Fact]
    public void Ack_SubtractsAckDelayFromLaterSamples()
    {
        Send(0, 0);
        Ack(now: 50 * Ms, ackDelay: 0, (0, 0));
        Send(1, 60 * Ms);
        Ack(now: 120 * Ms, ackDelay: 4 * Ms, (0, 1));
        Assert.Equal(60 * Ms, _rtt.LatestRtt);
        Assert.Equal(((7 * 50 * Ms) + (56 * Ms)) / 8, _rtt.SmoothedRtt);
    }

    [Fact]
    public void RttSample_OnlyWhenTheLargestIsNewlyAcked()
    {
        for (ulong pn = 0; pn < 3; pn++)
        {
            Send(pn, 0);
        }

        Assert.True(Ack(10 * Ms, 0, (2, 2)).RttSampled);
        AckOutcome second = Ack(30 * Ms, 0, (0, 2));
        Assert.Equal(2, second.NewlyAcked);
        Assert.False(second.RttSampled);
        Assert.Equal(10 * Ms, _rtt.LatestRtt);
    }

    [Fact]
    public void RttSample_NeedsAnAckElicitingPacketAmongTheNewlyAcked()
    {
        Send(0, 0);
        Send(1, 0, ackEliciting: false, inFlight: false);
        Ack(10 * Ms, 0, (0, 0));
        AckOutcome outcome = Ack(20 * Ms, 0, (1, 1));
        Assert.Equal(1, outcome.NewlyAcked);
        Assert.False(outcome.RttSampled);

        Send(2, 30 * Ms);
        Send(3, 30 * Ms, ackEliciting: false, inFlight: false);
        Assert.True(Ack(45 * Ms, 0, (2, 3)).RttSampled); // largest is not ack-eliciting, but pn 2 is
        Assert.Equal(15 * Ms, _rtt.LatestRtt);
    }

    [Fact]
    public void DuplicateAck_ChangesNothing()
    {
        Send(0, 0);
        Ack(10 * Ms, 0, (0, 0));
        _handler.Acked.Clear();
        AckOutcome outcome = Ack(20 * Ms, 0, (0, 0));
        Assert.Equal(0, outcome.NewlyAcked);
        Assert.Empty(_handler.Acked);
        Assert.Equal(10 * Ms, _rtt.LatestRtt);
    }

    [Fact]
    public void PacketThreshold_DeclaresLoss_ThenTheTimeThresholdTimerTakesTheRest()
    {
        for (ulong pn = 0; pn < 6; pn++)
        {
            Send(pn, (long)pn * Ms);
        }

        AckOutcome outcome = Ack(now: 100 * Ms, ackDelay: 0, (4, 5));
        Assert.Equal(3, outcome.Lost);
        Assert.Equal([0UL, 1, 2], _handler.Lost); // 5 - 2 >= 3; pn 3 is only 2 behind

        // pn 3 becomes lost at its send time + 9/8 × max(latest_rtt, smoothed_rtt) = 3 ms + 9/8 × 95 ms.
        long lossDelay = 95 * Ms * 9 / 8;
        Assert.Equal((3 * Ms) + lossDelay, _tracker.LossDetectionTimer(100 * Ms));

        _tracker.OnLossDetectionTimeout((3 * Ms) + lossDelay - 1, _handler); // early: nothing
        Assert.Equal(3, _handler.Lost.Count);
        _tracker.OnLossDetectionTimeout((3 * Ms) + lossDelay, _handler);
        Assert.Equal([0UL, 1, 2, 3], _handler.Lost);
        Assert.Equal(0, _handler.Probes);
        Assert.Equal(long.MaxValue, _tracker.LossDetectionTimer(200 * Ms)); // nothing in flight
        Assert.Equal(0, _cc.BytesInFlight);
    }

    [Fact]
    public void TimeThreshold_DeclaresOldPacketsLostOnAck()
    {
        Send(0, 0);
        Ack(10 * Ms, 0, (0, 0)); // RTT 10 ms
        Send(1, 20 * Ms);
        Send(2, 40 * Ms);
        AckOutcome outcome = Ack(50 * Ms, 0, (2, 2)); // latest 10 ms: loss delay 11.25 ms, so pn 1 (30 ms old) is lost
        Assert.Equal(1, outcome.Lost);
        Assert.Equal([1UL], _handler.Lost);
    }

    [Fact]
    public void TimeThreshold_IsAtLeastOneMillisecond()
    {
        Send(0, 0);
        Ack(20, 0, (0, 0)); // a 20 µs loopback RTT
        Send(1, 100);
        Send(2, 110);
        Ack(130, 0, (2, 2));
        Assert.Empty(_handler.Lost);
        Assert.Equal(100 + RttEstimator.Granularity, _tracker.LossDetectionTimer(130));
    }

    [Fact]
    public void ProbeTimeout_BacksOffExponentially_AndResetsOnAck()
    {
        Send(0, 0);
        long pto = _rtt.ProbeTimeout(5 * Ms); // 333 + 4 × 166.5 + 5 ms, no sample yet
        Assert.Equal(1_004 * Ms, pto);
        Assert.Equal(pto, _tracker.LossDetectionTimer(0));

        _tracker.OnLossDetectionTimeout(pto - 1, _handler);
        Assert.Equal(0, _handler.Probes);
        _tracker.OnLossDetectionTimeout(pto, _handler);
        Assert.Equal(1, _handler.Probes);
        Assert.Equal(SentPacketTracker.ProbesPerTimeout, _handler.LastProbeCount);
        Assert.Equal(1, _tracker.PtoCount);
        Assert.Empty(_handler.Lost); // a PTO declares nothing lost

        Send(1, pto); // the probe
        Assert.Equal(pto + (2 * pto), _tracker.LossDetectionTimer(pto));
        _tracker.OnLossDetectionTimeout(3 * pto, _handler);
        Assert.Equal(2, _tracker.PtoCount);
        Send(2, 3 * pto);
        Assert.Equal((3 * pto) + (4 * pto), _tracker.LossDetectionTimer(3 * pto));

        Ack((3 * pto) + (50 * Ms), 0, (2, 2));
        Assert.Equal(0, _tracker.PtoCount);
    }

    [Fact]
    public void LossDetectionTimer_IsNeverInThePast_AndIdleWhenNothingIsInFlight()
    {
        Assert.Equal(long.MaxValue, _tracker.LossDetectionTimer(0));
        Send(0, 0, ackEliciting: false, inFlight: false);
        Assert.Equal(long.MaxValue, _tracker.LossDetectionTimer(0));
        Send(1, 0);
        Assert.Equal(5_000 * Ms, _tracker.LossDetectionTimer(5_000 * Ms));
    }

    [Fact]
    public void SeveralLossesInOneRound_HalveTheWindowOnce()
    {
        Send(0, 0);
        Ack(10 * Ms, 0, (0, 0)); // cwnd 13,200
        for (ulong pn = 1; pn <= 10; pn++)
        {
            Send(pn, 20 * Ms);
        }

        Ack(30 * Ms, 0, (10, 10), (5, 5)); // 1..4 and 6, 7 lost: at least 3 below an acked number
        Assert.Equal([1UL, 2, 3, 4, 6, 7], _handler.Lost);
        Assert.Equal(6_600, _cc.CongestionWindow); // one halving; the acks of 5 and 10 (sent before recovery) add nothing

        // Later losses of packets from the same flight (8 and 9) do not halve again.
        Send(11, 33 * Ms);
        Send(12, 34 * Ms);
        Send(13, 35 * Ms);
        AckOutcome outcome = Ack(45 * Ms, 0, (13, 13), (11, 11));
        Assert.Equal(2, outcome.Lost);
        Assert.Equal([1UL, 2, 3, 4, 6, 7, 8, 9], _handler.Lost);
        Assert.Equal(6_600, _cc.CongestionWindow);
    }

    [Fact]
    public void PersistentCongestion_CollapsesTheWindow()
    {
        EstablishRtt(); // PTO = 10 + 4 × 5 + 5 = 35 ms, persistent congestion beyond 105 ms
        for (ulong pn = 1; pn <= 10; pn++)
        {
            Send(pn, (long)pn * 20 * Ms);
        }

        Send(11, 210 * Ms);
        AckOutcome outcome = Ack(220 * Ms, 0, (11, 11));
        Assert.Equal(10, outcome.Lost);
        Assert.True(outcome.PersistentCongestion);

        // Persistent congestion ends the recovery period (RFC 9002 B.8) before the same frame's
        // acknowledgement of pn 11 is counted, so slow start resumes from the minimum at once.
        Assert.Equal(_cc.MinimumWindow + 1_200, _cc.CongestionWindow);
    }

    [Fact]
    public void PersistentCongestion_NotWhenAnAckBreaksTheRun()
    {
        EstablishRtt();
        for (ulong pn = 1; pn <= 10; pn++)
        {
            Send(pn, (long)pn * 20 * Ms);
        }

        Send(11, 210 * Ms);
        AckOutcome outcome = Ack(220 * Ms, 0, (11, 11), (5, 5)); // 1..4 span 60 ms, 6..10 span 80 ms
        Assert.Equal(9, outcome.Lost);
        Assert.False(outcome.PersistentCongestion);
        Assert.Equal(13_200 / 2, _cc.CongestionWindow);
    }

    [Fact]
    public void PersistentCongestion_NotWhenTheSpanIsShort()
    {
        EstablishRtt();
        for (ulong pn = 1; pn <= 10; pn++)
        {
            Send(pn, (long)pn * 10 * Ms); // 90 ms between the first and last
        }

        Send(11, 200 * Ms);
        AckOutcome outcome = Ack(210 * Ms, 0, (11, 11));
        Assert.Equal(10, outcome.Lost);
        Assert.False(outcome.PersistentCongestion);
    }

    [Fact]
    public void PersistentCongestion_IgnoresPacketsSentBeforeTheFirstRttSample()
    {
        for (ulong pn = 0; pn < 10; pn++)
        {
            Send(pn, (long)pn * 200 * Ms); // 1.8 s of losses, but no RTT sample yet
        }

        Send(10, 2_000 * Ms);
        AckOutcome outcome = Ack(2_010 * Ms, 0, (10, 10));
        Assert.Equal(10, outcome.Lost);
        Assert.False(outcome.PersistentCongestion);
        Assert.Equal(6_000, _cc.CongestionWindow);
    }

    [Fact]
    public void LostPathMtuProbe_IsNotCongestion()
    {
        EstablishRtt();
        Send(1, 20 * Ms, size: 1400, pmtuProbe: true);
        for (ulong pn = 2; pn <= 5; pn++)
        {
            Send(pn, 21 * Ms);
        }

        long window = _cc.CongestionWindow;
        AckOutcome outcome = Ack(40 * Ms, 0, (2, 5));
        Assert.Equal(1, outcome.Lost);
        Assert.Equal([1UL], _handler.Lost);
        Assert.Equal(window + 4_800, _cc.CongestionWindow);
        Assert.Equal(0, _cc.BytesInFlight);
    }

    [Fact]
    public void LostPacketAckedLater_IsNotReportedTwice()
    {
        for (ulong pn = 0; pn < 5; pn++)
        {
            Send(pn, 0);
        }

        Ack(10 * Ms, 0, (4, 4));
        Assert.Equal([0UL, 1], _handler.Lost);
        AckOutcome late = Ack(20 * Ms, 0, (0, 4));
        Assert.Equal(2, late.NewlyAcked); // 2 and 3 only
        Assert.Equal([4UL, 2, 3], _handler.Acked);
    }

    [Fact]
    public void AckOfAnUnsentPacket_IsAViolation_AndChangesNothing()
    {
        Assert.Equal(AckStatus.AcknowledgesUnsentPacket, Ack(0, 0, (0, 0)).Status);
        Send(0, 0);
        Send(1, 0);
        AckOutcome outcome = Ack(10 * Ms, 0, (0, 2));
        Assert.True(outcome.IsProtocolViolation);
        Assert.Equal(AckStatus.AcknowledgesUnsentPacket, outcome.Status);
        Assert.Empty(_handler.Acked);
        Assert.Equal(2, _tracker.OutstandingCount);
        Assert.False(_tracker.HasLargestAcked);
    }

    [Fact]
    public void MalformedRanges_AreRejected()
    {
        for (ulong pn = 0; pn < 10; pn++)
        {
            Send(pn, 0);
        }

        Assert.Equal(AckStatus.InvalidRanges, _tracker.OnAckReceived([], 0, 1, _handler).Status);
        Assert.Equal(AckStatus.InvalidRanges, Ack(1, 0, (5, 4)).Status);
        Assert.Equal(AckStatus.InvalidRanges, Ack(1, 0, (1, 2), (5, 6)).Status); // ascending
        Assert.Equal(AckStatus.InvalidRanges, Ack(1, 0, (5, 6), (3, 5)).Status); // overlapping
        Assert.Empty(_handler.Acked);
    }

    [Fact]
    public void IsFull_AtTheBound_AndFreedByAcks()
    {
        var tracker = new SentPacketTracker(_rtt, _cc, 5 * Ms, maxTrackedPackets: 8, initialCapacity: 2);
        for (ulong pn = 0; pn < 8; pn++)
        {
            Assert.False(tracker.IsFull);
            tracker.OnPacketSent(Packet(pn, 0));
        }

        Assert.True(tracker.IsFull);
        Assert.Throws<InvalidOperationException>(() => tracker.OnPacketSent(Packet(8, 0)));

        tracker.OnAckReceived([new AckRange(3, 7)], 0, 10 * Ms, _handler); // 0..2 lost, 3..7 acked
        Assert.False(tracker.IsFull);
        Assert.Equal(0, tracker.OutstandingCount);
    }

    [Fact]
    public void OutOfOrderPacketNumbers_AreRejected()
    {
        Send(5, 0);
        Assert.Throws<ArgumentException>(() => _tracker.OnPacketSent(Packet(5, 0)));
        Assert.Throws<ArgumentException>(() => _tracker.OnPacketSent(Packet(4, 0)));
    }

    [Fact]
    public void RingWrapsAndGrows_WithSkippedPacketNumbers()
    {
        var tracker = new SentPacketTracker(_rtt, _cc, 5 * Ms, maxTrackedPackets: 64, initialCapacity: 4);
        var expectedAcked = new List<ulong>();
        ulong pn = 0;
        long now = 0;
        for (int round = 0; round < 50; round++)
        {
            var sent = new List<ulong>();
            for (int i = 0; i < (round % 7) + 1; i++)
            {
                pn += (ulong)(i % 3 == 2 ? 2 : 1); // the session may skip numbers
                tracker.OnPacketSent(Packet(pn, now));
                sent.Add(pn);
            }

            now += Ms;
            tracker.OnAckReceived([new AckRange(sent[0], sent[^1])], 0, now, _handler);
            expectedAcked.AddRange(sent);
        }

        Assert.Equal(expectedAcked, _handler.Acked);
        Assert.Empty(_handler.Lost);
        Assert.Equal(0, tracker.OutstandingCount);
    }

    private void EstablishRtt()
    {
        Send(0, 0);
        Ack(10 * Ms, 0, (0, 0));
        Assert.Equal(10 * Ms, _rtt.SmoothedRtt);
        Assert.Equal(5 * Ms, _rtt.RttVar);
        _handler.Acked.Clear();
    }

    private void Send(ulong pn, long time, bool ackEliciting = true, bool inFlight = true, int size = 1200, bool pmtuProbe = false) =>
        _tracker.OnPacketSent(Packet(pn, time, ackEliciting, inFlight, size, pmtuProbe));

    private static SentPacket Packet(ulong pn, long time, bool ackEliciting = true, bool inFlight = true, int size = 1200, bool pmtuProbe = false) =>
        new()
        {
            PacketNumber = pn,
            TimeSent = time,
            Size = size,
            AckEliciting = ackEliciting,
            InFlight = inFlight,
            IsPathMtuProbe = pmtuProbe,
            RecordStart = (int)pn,
            RecordCount = 1,
        };

    private AckOutcome Ack(long now, long ackDelay, params (ulong Smallest, ulong Largest)[] ranges)
    {
        var converted = new AckRange[ranges.Length];
        for (int i = 0; i < ranges.Length; i++)
        {
            converted[i] = new AckRange(ranges[i].Smallest, ranges[i].Largest);
        }

        return _tracker.OnAckReceived(converted, ackDelay, now, _handler);
    }

    internal sealed class RecordingHandler : IRecoveryHandler
    {
        public List<ulong> Acked { get; } = [];

        public List<ulong> Lost { get; } = [];

        public int Probes { get; private set; }

        public int LastProbeCount { get; private set; }

        public void OnPacketAcked(in SentPacket packet)
        {
            Assert.Equal((int)packet.PacketNumber, packet.RecordStart);
            Acked.Add(packet.PacketNumber);
        }

        public void OnPacketLost(in SentPacket packet) => Lost.Add(packet.PacketNumber);

        public void OnProbeTimeout(int probeCount)
        {
            Probes++;
            LastProbeCount = probeCount;
        }
    }
}
