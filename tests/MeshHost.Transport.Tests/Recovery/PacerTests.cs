using MeshHost.Transport.Recovery;

namespace MeshHost.Transport.Tests.Recovery;

public class PacerTests
{
    [Fact]
    public void BeforeAnyRttSample_NothingIsPaced()
    {
        var pacer = new Pacer(new RttEstimator(), new FixedWindow(12_000));
        for (int i = 0; i < 100; i++)
        {
            Assert.True(pacer.CanSendNow(0, 1200));
            pacer.OnPacketSent(0, 1200);
        }

        Assert.Equal(0, pacer.NextSendTime(0, 1200));
    }

    [Fact]
    public void StartsWithABurstOfTenDatagrams_ThenPacesAtTheRate()
    {
        var pacer = new Pacer(Rtt(100_000), new FixedWindow(12_000));
        Assert.Equal(0.15, pacer.Rate, 6); // 1.25 × 12,000 / 100,000
        Assert.Equal(12_000, pacer.BurstCapacity);

        for (int i = 0; i < 10; i++)
        {
            Assert.True(pacer.CanSendNow(1_000, 1200));
            pacer.OnPacketSent(1_000, 1200);
        }

        Assert.False(pacer.CanSendNow(1_000, 1200));
        Assert.Equal(1_000 + 8_000, pacer.NextSendTime(1_000, 1200)); // 1,200 bytes at 0.15 B/µs
        Assert.False(pacer.CanSendNow(8_999, 1200));
        Assert.True(pacer.CanSendNow(9_000, 1200));
    }

    [Fact]
    public void AfterIdle_TheBucketIsCappedAtTheBurst()
    {
        var pacer = new Pacer(Rtt(100_000), new FixedWindow(12_000));
        pacer.OnPacketSent(0, 12_000);
        Assert.True(pacer.CanSendNow(10_000_000, 1200));
        Assert.Equal(12_000, pacer.Tokens);
    }

    [Theory]
    [InlineData(1)] // a precise timer
    [InlineData(1_000)] // a timer that only fires on 1 ms ticks
    public void CoarseTimer_LosesNoThroughput(long timerTick)
    {
        // 1.25 × 120,000 B / 10 ms = 15 B/µs: more than 10 datagrams per 1 ms tick. A bucket of 10
        // datagrams would cap this at 12 B/µs with a 1 ms timer.
        var pacer = new Pacer(Rtt(10_000), new FixedWindow(120_000));
        Assert.Equal(16_200, pacer.BurstCapacity); // a tick's worth plus a datagram

        long sent = RunSaturated(pacer, timerTick, duration: 1_000_000);
        long expected = 15_000_000;
        Assert.InRange(sent, expected - 1_200, expected + pacer.BurstCapacity + 1_200);
    }

    [Fact]
    public void SlowRate_WithCoarseTimer_MatchesTheRate()
    {
        var pacer = new Pacer(Rtt(100_000), new FixedWindow(12_000));
        long sent = RunSaturated(pacer, timerTick: 1_000, duration: 2_000_000);
        long expected = 300_000 + 12_000; // 0.15 B/µs for 2 s plus the initial burst
        Assert.InRange(sent, expected - 1_200, expected + 1_200);
    }

    [Fact]
    public void LoopbackRtt_PacesWithoutStalling()
    {
        var rtt = new RttEstimator();
        rtt.Update(0, 0, 5_000); // a zero sample from a coarse clock
        rtt.Update(30, 0, 5_000);
        var pacer = new Pacer(rtt, new FixedWindow(12_000));
        Assert.True(pacer.Rate > 100);
        for (int i = 0; i < 10; i++)
        {
            Assert.True(pacer.CanSendNow(500, 1200));
            pacer.OnPacketSent(500, 1200);
        }

        long next = pacer.NextSendTime(500, 1200);
        Assert.InRange(next, 501, 510);
        Assert.True(pacer.CanSendNow(next, 1200));
    }

    [Fact]
    public void OversizedPacket_WaitsForAFullBucketOnly()
    {
        var pacer = new Pacer(Rtt(100_000), new FixedWindow(12_000));
        pacer.OnPacketSent(0, 12_000);
        long next = pacer.NextSendTime(0, 50_000);
        Assert.Equal(80_000, next); // 12,000 bytes at 0.15 B/µs, not 50,000
        Assert.True(pacer.CanSendNow(next, 50_000));
    }

    [Fact]
    public void ShrinkingWindow_ShrinksTheRate()
    {
        var window = new FixedWindow(120_000);
        var pacer = new Pacer(Rtt(10_000), window);
        Assert.True(pacer.CanSendNow(0, 1200));
        window.CongestionWindow = 2_400;
        Assert.Equal(12_000, pacer.BurstCapacity);
        Assert.Equal(0.3, pacer.Rate, 6);
        pacer.OnPacketSent(0, 12_000);
        Assert.Equal(4_000, pacer.NextSendTime(0, 1200));
    }

    private static long RunSaturated(Pacer pacer, long timerTick, long duration)
    {
        long now = 0;
        long sent = 0;
        while (now <= duration)
        {
            while (pacer.CanSendNow(now, 1200))
            {
                pacer.OnPacketSent(now, 1200);
                sent += 1200;
            }

            long due = pacer.NextSendTime(now, 1200);
            Assert.True(due > now);
            now = (due + timerTick - 1) / timerTick * timerTick; // the timer fires on its next tick
        }

        return sent;
    }

    private static RttEstimator Rtt(long sample)
    {
        var rtt = new RttEstimator();
        rtt.Update(sample, 0, 0);
        return rtt;
    }

    private sealed class FixedWindow(long window) : ICongestionController
    {
        public int MaxDatagramSize => 1200;

        public long CongestionWindow { get; set; } = window;

        public long BytesInFlight => 0;

        public long AvailableWindow => CongestionWindow;

        public bool IsApplicationLimited { get; set; }

        public bool CanSend(int bytes) => true;

        public void OnCongestionEvent(long sentTimeOfLargestLost, long now)
        {
        }

        public void OnPacketAcked(long sentTime, int bytes, long now)
        {
        }

        public void OnPacketDiscarded(int bytes)
        {
        }

        public void OnPacketLost(int bytes)
        {
        }

        public void OnPacketSent(long now, int bytes)
        {
        }

        public void OnPersistentCongestion()
        {
        }

        public void SetMaxDatagramSize(int maxDatagramSize)
        {
        }
    }
}
