using MeshHost.Transport.Recovery;

namespace MeshHost.Transport.Tests.Recovery;

public class NewRenoCongestionControllerTests
{
    [Theory]
    [InlineData(1200, 12_000)]
    [InlineData(1000, 10_000)]
    [InlineData(1472, 14_720)]
    [InlineData(1500, 14_720)]
    [InlineData(9000, 18_000)]
    public void InitialWindow_FollowsRfc9002(int datagramSize, long expected)
    {
        var cc = new NewRenoCongestionController(datagramSize);
        Assert.Equal(expected, cc.CongestionWindow);
        Assert.Equal(2L * datagramSize, cc.MinimumWindow);
    }

    [Fact]
    public void CanSend_CountsBytesInFlight()
    {
        var cc = new NewRenoCongestionController(1200);
        for (int i = 0; i < 10; i++)
        {
            Assert.True(cc.CanSend(1200));
            cc.OnPacketSent(i, 1200);
        }

        Assert.False(cc.CanSend(1));
        Assert.Equal(0, cc.AvailableWindow);
        cc.OnPacketDiscarded(1200);
        Assert.True(cc.CanSend(1200));
        Assert.Equal(10_800, cc.BytesInFlight);
    }

    [Fact]
    public void SlowStart_GrowsByAckedBytes_ThenAvoidanceByOneDatagramPerWindow()
    {
        var cc = new NewRenoCongestionController(1200);
        SendAndAck(cc, packets: 10, sentTime: 0, now: 100);
        Assert.Equal(24_000, cc.CongestionWindow);

        cc.OnPacketSent(200, 1200);
        cc.OnPacketLost(1200);
        cc.OnCongestionEvent(200, 300);
        Assert.Equal(12_000, cc.CongestionWindow);
        Assert.Equal(12_000, cc.SlowStartThreshold);
        Assert.False(cc.InSlowStart);

        // One window's worth of acknowledged bytes (of packets sent after recovery began) adds one datagram.
        SendAndAck(cc, packets: 9, sentTime: 400, now: 500);
        Assert.Equal(12_000, cc.CongestionWindow);
        SendAndAck(cc, packets: 1, sentTime: 400, now: 500);
        Assert.Equal(13_200, cc.CongestionWindow);
        Assert.Equal(0, cc.BytesInFlight);
    }

    [Fact]
    public void SeveralLossesInOneRecoveryPeriod_HalveOnce()
    {
        var cc = new NewRenoCongestionController(1200);
        for (int i = 0; i < 10; i++)
        {
            cc.OnPacketSent(1_000 + i, 1200);
        }

        cc.OnPacketLost(1200);
        cc.OnCongestionEvent(sentTimeOfLargestLost: 1_001, now: 50_000);
        Assert.Equal(6_000, cc.CongestionWindow);

        // More packets from the same flight are lost: they were sent before recovery began.
        cc.OnPacketLost(1200);
        cc.OnCongestionEvent(1_005, 51_000);
        cc.OnPacketLost(1200);
        cc.OnCongestionEvent(1_009, 52_000);
        Assert.Equal(6_000, cc.CongestionWindow);

        // Acknowledgements of that flight do not grow the window during recovery.
        cc.OnPacketAcked(1_002, 1200, 53_000);
        Assert.Equal(6_000, cc.CongestionWindow);

        // A packet sent after recovery began and then lost starts a new period.
        cc.OnPacketSent(60_000, 1200);
        cc.OnPacketLost(1200);
        cc.OnCongestionEvent(60_000, 90_000);
        Assert.Equal(3_000, cc.CongestionWindow);

        // Never below the minimum window.
        cc.OnCongestionEvent(95_000, 120_000);
        Assert.Equal(2_400, cc.CongestionWindow);
    }

    [Fact]
    public void ApplicationLimited_DoesNotGrow()
    {
        var cc = new NewRenoCongestionController(1200);
        cc.IsApplicationLimited = true;
        SendAndAck(cc, packets: 5, sentTime: 0, now: 10);
        Assert.Equal(12_000, cc.CongestionWindow);
        Assert.Equal(0, cc.BytesInFlight);
        cc.IsApplicationLimited = false;
        SendAndAck(cc, packets: 5, sentTime: 20, now: 30);
        Assert.Equal(18_000, cc.CongestionWindow);
    }

    [Fact]
    public void PersistentCongestion_CollapsesToMinimum_ThenSlowStartsToThreshold()
    {
        var cc = new NewRenoCongestionController(1200);
        SendAndAck(cc, packets: 10, sentTime: 0, now: 10); // 24,000
        cc.OnPacketSent(100, 1200);
        cc.OnPacketLost(1200);
        cc.OnCongestionEvent(100, 1_000_000);
        cc.OnPersistentCongestion();
        Assert.Equal(2_400, cc.CongestionWindow);
        Assert.Equal(12_000, cc.SlowStartThreshold);
        Assert.True(cc.InSlowStart);

        // Recovery is over: the next acknowledgement grows the window again, in slow start.
        SendAndAck(cc, packets: 2, sentTime: 2_000_000, now: 2_100_000);
        Assert.Equal(4_800, cc.CongestionWindow);
    }

    [Fact]
    public void SetMaxDatagramSize_RecomputesTheUntouchedInitialWindow_AndKeepsTheMinimum()
    {
        var cc = new NewRenoCongestionController(1200);
        cc.SetMaxDatagramSize(1400);
        Assert.Equal(14_000, cc.CongestionWindow);

        cc.OnPacketSent(0, 1400);
        cc.OnPacketLost(1400);
        cc.OnCongestionEvent(0, 10);
        cc.OnPersistentCongestion();
        Assert.Equal(2_800, cc.CongestionWindow);
        cc.SetMaxDatagramSize(4000);
        Assert.Equal(8_000, cc.CongestionWindow); // raised to the new minimum, not reset to an initial window
        Assert.Equal(8_000, cc.SlowStartThreshold);
    }

    private static void SendAndAck(NewRenoCongestionController cc, int packets, long sentTime, long now)
    {
        for (int i = 0; i < packets; i++)
        {
            cc.OnPacketSent(sentTime, 1200);
        }

        for (int i = 0; i < packets; i++)
        {
            cc.OnPacketAcked(sentTime, 1200, now);
        }
    }
}
