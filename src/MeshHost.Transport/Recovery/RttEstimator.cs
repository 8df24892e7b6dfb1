namespace MeshHost.Transport.Recovery;

/// <summary>
/// Round-trip time estimation after RFC 9002 §5, in microseconds. The handshake is taken as
/// confirmed, so the peer's ack delay is always capped at its max_ack_delay.
/// </summary>
internal sealed class RttEstimator
{
    /// <summary>The RTT assumed before the first sample (RFC 9002 §6.2.2: 333 ms).</summary>
    public const long InitialRtt = 333_000;

    /// <summary>The timer granularity (kGranularity, 1 ms): the floor of the PTO's variance term and of the loss delay.</summary>
    public const long Granularity = 1_000;

    public RttEstimator() => Reset();

    /// <summary>The most recent sample, before ack delay adjustment; 0 before the first sample.</summary>
    public long LatestRtt { get; private set; }

    public long SmoothedRtt { get; private set; }

    public long RttVar { get; private set; }

    /// <summary>The smallest sample seen (never adjusted for ack delay); 0 before the first sample.</summary>
    public long MinRtt { get; private set; }

    public bool HasSample { get; private set; }

    /// <summary>
    /// Takes one RTT sample. <paramref name="latestRtt"/> is now minus the send time of the largest
    /// newly acknowledged packet; samples below 1 µs are raised to 1 µs so that a coarse clock on
    /// loopback never yields a zero RTT (which would make rates infinite).
    /// </summary>
    public void Update(long latestRtt, long ackDelay, long maxAckDelay)
    {
        latestRtt = Math.Max(latestRtt, 1);
        LatestRtt = latestRtt;
        if (!HasSample)
        {
            HasSample = true;
            MinRtt = latestRtt;
            SmoothedRtt = latestRtt;
            RttVar = latestRtt / 2;
            return;
        }

        MinRtt = Math.Min(MinRtt, latestRtt);
        ackDelay = Math.Clamp(ackDelay, 0, Math.Max(maxAckDelay, 0));

        // Subtract the peer's reported delay only while the result stays plausible (>= min_rtt).
        long adjustedRtt = latestRtt;
        if (latestRtt - ackDelay >= MinRtt)
        {
            adjustedRtt = latestRtt - ackDelay;
        }

        RttVar = ((3 * RttVar) + Math.Abs(SmoothedRtt - adjustedRtt)) / 4;
        SmoothedRtt = ((7 * SmoothedRtt) + adjustedRtt) / 8;
    }

    /// <summary>The probe timeout before backoff: smoothed_rtt + max(4 × rttvar, 1 ms) + max_ack_delay.</summary>
    public long ProbeTimeout(long maxAckDelay) => SmoothedRtt + Math.Max(4 * RttVar, Granularity) + maxAckDelay;

    /// <summary>Forgets every sample (after a path change, for instance).</summary>
    public void Reset()
    {
        LatestRtt = 0;
        MinRtt = 0;
        SmoothedRtt = InitialRtt;
        RttVar = InitialRtt / 2;
        HasSample = false;
    }
}
