using MeshHost.Transport.Recovery;

namespace MeshHost.Transport.Tests.Recovery;

public class RttEstimatorTests
{
    [Fact]
    public void BeforeAnySample_UsesTheInitialRtt()
    {
        var rtt = new RttEstimator();
        Assert.False(rtt.HasSample);
        Assert.Equal(333_000, rtt.SmoothedRtt);
        Assert.Equal(166_500, rtt.RttVar);
        // RFC 9002 §6.2.2: the first PTO is about 1 s.
        Assert.Equal(333_000 + (4 * 166_500) + 5_000, rtt.ProbeTimeout(5_000));
    }

    [Fact]
    public void FirstSample_SetsSmoothedToSampleAndVarianceToHalf_IgnoringAckDelay()
    {
        var rtt = new RttEstimator();
        rtt.Update(latestRtt: 100_000, ackDelay: 20_000, maxAckDelay: 25_000);
        Assert.True(rtt.HasSample);
        Assert.Equal(100_000, rtt.LatestRtt);
        Assert.Equal(100_000, rtt.SmoothedRtt);
        Assert.Equal(50_000, rtt.RttVar);
        Assert.Equal(100_000, rtt.MinRtt);
        Assert.Equal(100_000 + 200_000 + 25_000, rtt.ProbeTimeout(25_000));
    }

    [Fact]
    public void LaterSample_SubtractsAckDelayAndSmooths()
    {
        var rtt = new RttEstimator();
        rtt.Update(100_000, 0, 25_000);
        rtt.Update(120_000, 10_000, 25_000);

        // adjusted = 110,000; rttvar = 3/4 × 50,000 + 1/4 × |100,000 − 110,000|; srtt = 7/8 × 100,000 + 1/8 × 110,000.
        Assert.Equal(120_000, rtt.LatestRtt);
        Assert.Equal(40_000, rtt.RttVar);
        Assert.Equal(101_250, rtt.SmoothedRtt);
        Assert.Equal(100_000, rtt.MinRtt);
    }

    [Fact]
    public void AckDelay_NotSubtractedWhenTheResultWouldFallBelowMinRtt()
    {
        var rtt = new RttEstimator();
        rtt.Update(100_000, 0, 25_000);
        rtt.Update(105_000, 10_000, 25_000); // 95,000 < min_rtt: use 105,000
        Assert.Equal(((3 * 50_000) + 5_000) / 4, rtt.RttVar);
        Assert.Equal(((7 * 100_000) + 105_000) / 8, rtt.SmoothedRtt);
    }

    [Fact]
    public void AckDelay_CappedAtMaxAckDelay()
    {
        var rtt = new RttEstimator();
        rtt.Update(100_000, 0, 25_000);
        rtt.Update(200_000, 80_000, 25_000); // only 25,000 of the claimed 80,000 is believed
        Assert.Equal(((3 * 50_000) + 75_000) / 4, rtt.RttVar);
        Assert.Equal(((7 * 100_000) + 175_000) / 8, rtt.SmoothedRtt);
    }

    [Fact]
    public void MinRtt_TracksTheRawSmallestSample()
    {
        var rtt = new RttEstimator();
        rtt.Update(100_000, 0, 25_000);
        rtt.Update(80_000, 20_000, 25_000);
        Assert.Equal(80_000, rtt.MinRtt);
        Assert.Equal(80_000, rtt.LatestRtt);
    }

    [Fact]
    public void ZeroOrNegativeSamples_OnLoopback_BecomeOneMicrosecond()
    {
        var rtt = new RttEstimator();
        rtt.Update(0, 0, 5_000);
        Assert.Equal(1, rtt.SmoothedRtt);
        Assert.Equal(1, rtt.MinRtt);
        rtt.Update(-5, 0, 5_000);
        Assert.Equal(1, rtt.LatestRtt);
        Assert.True(rtt.SmoothedRtt >= 1);

        // A loopback RTT of tens of microseconds: the PTO's variance term is floored at 1 ms.
        var loopback = new RttEstimator();
        loopback.Update(30, 0, 5_000);
        Assert.Equal(30 + 1_000 + 5_000, loopback.ProbeTimeout(5_000));
    }

    [Fact]
    public void Reset_ForgetsSamples()
    {
        var rtt = new RttEstimator();
        rtt.Update(50_000, 0, 5_000);
        rtt.Reset();
        Assert.False(rtt.HasSample);
        Assert.Equal(RttEstimator.InitialRtt, rtt.SmoothedRtt);
    }
}
