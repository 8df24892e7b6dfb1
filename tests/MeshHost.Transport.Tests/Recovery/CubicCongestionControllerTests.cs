using MeshHost.Transport.Recovery;

namespace MeshHost.Transport.Tests.Recovery;

public class CubicCongestionControllerTests
{
    private const long Rtt = 100_000;

    [Fact]
    public void SlowStart_AsNewReno()
    {
        var cc = new CubicCongestionController(RttOf(Rtt), 1200);
        Assert.Equal(12_000, cc.CongestionWindow);
        Round(cc, 0);
        Assert.Equal(24_000, cc.CongestionWindow);
    }

    [Fact]
    public void CongestionEvent_KeepsSeventyPercent_OncePerRecoveryPeriod()
    {
        var cc = new CubicCongestionController(RttOf(Rtt), 1000);
        GrowTo(cc, 100_000);
        cc.OnPacketSent(10, 1000);
        cc.OnPacketLost(1000);
        cc.OnCongestionEvent(10, 20);
        Assert.Equal(70_000, cc.CongestionWindow);
        Assert.Equal(100_000, cc.WindowMax);
        cc.OnCongestionEvent(15, 30); // same flight
        Assert.Equal(70_000, cc.CongestionWindow);
    }

    [Fact]
    public void AfterLoss_GrowsConcaveToWMax_PlateausThere_ThenProbesBeyond()
    {
        var cc = new CubicCongestionController(RttOf(Rtt), 1000);
        GrowTo(cc, 100_000);
        cc.OnPacketSent(0, 1000);
        cc.OnPacketLost(1000);
        cc.OnCongestionEvent(0, 1);

        // K = cbrt(30 segments / 0.4) ≈ 4.22 s: about 42 rounds of 100 ms.
        long now = 1;
        var windows = new List<long>();
        for (int round = 0; round < 80; round++)
        {
            now += Rtt;
            Round(cc, now);
            windows.Add(cc.CongestionWindow);
        }

        for (int i = 1; i < windows.Count; i++)
        {
            Assert.True(windows[i] >= windows[i - 1], "the window never shrinks without loss");
        }

        long early = windows[5] - windows[0];
        long plateau = windows[42] - windows[37];
        long late = windows[79] - windows[74];
        Assert.True(early > plateau, $"concave: {early} then {plateau}");
        Assert.True(late > plateau, $"convex: {plateau} then {late}");
        Assert.InRange(windows[41], 95_000, 103_000); // near W_max around K
        Assert.True(windows[79] > 110_000);
    }

    [Fact]
    public void RenoFriendlyRegion_OnShortRtts_GrowsAtLeastLikeReno()
    {
        // With a 1 ms RTT the cubic curve is nearly flat for seconds; Reno would add ~0.53 segments per round.
        var cc = new CubicCongestionController(RttOf(1_000), 1000);
        GrowTo(cc, 100_000);
        cc.OnPacketSent(0, 1000);
        cc.OnPacketLost(1000);
        cc.OnCongestionEvent(0, 1);
        long now = 1;
        for (int round = 0; round < 100; round++)
        {
            now += 1_000;
            Round(cc, now);
        }

        Assert.InRange(cc.CongestionWindow, 70_000 + 45_000, 70_000 + 60_000);
    }

    [Fact]
    public void FastConvergence_LowersWMaxWhenLossComesEarly()
    {
        var cc = new CubicCongestionController(RttOf(Rtt), 1000);
        GrowTo(cc, 100_000);
        cc.OnPacketSent(0, 1000);
        cc.OnPacketLost(1000);
        cc.OnCongestionEvent(0, 1);
        Round(cc, 2);
        long before = cc.CongestionWindow; // still below the old W_max of 100,000
        cc.OnPacketSent(10, 1000);
        cc.OnPacketLost(1000);
        cc.OnCongestionEvent(10, 20);
        long expected = (long)(before * 1.7 / 2);
        Assert.InRange(cc.WindowMax, expected - 1, expected + 1); // W_max = cwnd (1 + β) / 2, from the fractional window
    }

    [Fact]
    public void ApplicationLimited_DoesNotGrow()
    {
        var cc = new CubicCongestionController(RttOf(Rtt), 1200);
        cc.IsApplicationLimited = true;
        Round(cc, 0);
        Assert.Equal(12_000, cc.CongestionWindow);
    }

    [Fact]
    public void PersistentCongestion_CollapsesToMinimum()
    {
        var cc = new CubicCongestionController(RttOf(Rtt), 1200);
        cc.OnPacketSent(0, 1200);
        cc.OnPacketLost(1200);
        cc.OnCongestionEvent(0, 1);
        cc.OnPersistentCongestion();
        Assert.Equal(2_400, cc.CongestionWindow);
        Assert.Equal(0, cc.BytesInFlight);
    }

    [Fact]
    public void WorksUnderTheSentPacketTracker()
    {
        var rtt = new RttEstimator();
        var cc = new CubicCongestionController(rtt, 1200);
        var tracker = new SentPacketTracker(rtt, cc);
        var handler = new SentPacketTrackerTests.RecordingHandler();
        for (ulong pn = 0; pn < 10; pn++)
        {
            tracker.OnPacketSent(new SentPacket { PacketNumber = pn, TimeSent = 0, Size = 1200, AckEliciting = true, InFlight = true, RecordStart = (int)pn });
        }

        tracker.OnAckReceived([new Frames.AckRange(4, 9)], 0, 50_000, handler);
        Assert.Equal(4, handler.Lost.Count);
        Assert.Equal((long)(12_000 * 0.7), cc.CongestionWindow);
        Assert.Equal(0, cc.BytesInFlight);
    }

    private static RttEstimator RttOf(long sample)
    {
        var rtt = new RttEstimator();
        rtt.Update(sample, 0, 0);
        return rtt;
    }

    /// <summary>One round trip: a full window sent at <paramref name="now"/> and acknowledged one datagram at a time.</summary>
    private static void Round(ICongestionController cc, long now)
    {
        long window = cc.CongestionWindow;
        int size = cc.MaxDatagramSize;
        for (long sent = 0; sent < window; sent += size)
        {
            cc.OnPacketSent(now, size);
        }

        for (long acked = 0; acked < window; acked += size)
        {
            cc.OnPacketAcked(now, size, now + 1);
        }
    }

    private static void GrowTo(CubicCongestionController cc, long window)
    {
        while (cc.CongestionWindow < window)
        {
            cc.OnPacketSent(0, cc.MaxDatagramSize);
            cc.OnPacketAcked(0, cc.MaxDatagramSize, 1);
        }

        Assert.Equal(window, cc.CongestionWindow);
    }
}
