namespace MeshHost.Transport.Recovery;

/// <summary>
/// Spreads packets over the round trip with a token bucket (RFC 9002 §7.7): tokens accrue at
/// 1.25 × cwnd / smoothed_rtt bytes per µs. The bucket holds at least 10 datagrams (so at least
/// the initial window, and a burst of 10 after idle), and more only when one timer tick's worth of
/// tokens (plus a datagram) exceeds that, never more than the window: a timer that fires up to a
/// tick late then finds the bucket holding what it missed, and the throughput is not lost. Before the first RTT sample nothing is paced, since the
/// congestion window alone already bounds that flight to the initial window. Pure logic: the
/// caller passes the time and arms its timer at <see cref="NextSendTime"/>.
/// </summary>
internal sealed class Pacer
{
    private const int BurstDatagrams = 10;

    private readonly RttEstimator _rtt;
    private readonly ICongestionController _congestion;
    private readonly long _timerGranularity;
    private double _tokens;
    private long _lastRefill;
    private bool _started;

    /// <param name="rtt">Supplies smoothed_rtt.</param>
    /// <param name="congestion">Supplies the window and the datagram size.</param>
    /// <param name="timerGranularity">The resolution of the caller's timer, i.e. how late it may fire, in µs (1 ms by default).</param>
    public Pacer(RttEstimator rtt, ICongestionController congestion, long timerGranularity = RttEstimator.Granularity)
    {
        ArgumentNullException.ThrowIfNull(rtt);
        ArgumentNullException.ThrowIfNull(congestion);
        ArgumentOutOfRangeException.ThrowIfNegative(timerGranularity);
        _rtt = rtt;
        _congestion = congestion;
        _timerGranularity = timerGranularity;
    }

    /// <summary>The pacing rate in bytes per µs.</summary>
    public double Rate => 1.25 * _congestion.CongestionWindow / Math.Max(_rtt.SmoothedRtt, 1);

    /// <summary>The most the bucket holds, in bytes.</summary>
    public long BurstCapacity
    {
        get
        {
            long floor = (long)BurstDatagrams * _congestion.MaxDatagramSize;
            // A tick's worth plus one datagram: the part of a datagram left over from the previous
            // tick must survive the refill, or every tick loses it.
            double tick = (Rate * _timerGranularity) + _congestion.MaxDatagramSize;
            return Math.Max(floor, (long)Math.Min(tick, _congestion.CongestionWindow));
        }
    }

    /// <summary>The bytes that may be sent now, as of the last call (for tests and diagnostics).</summary>
    public double Tokens => _tokens;

    public bool CanSendNow(long now, int bytes)
    {
        if (!_rtt.HasSample)
        {
            return true;
        }

        long capacity = Refill(now);
        return _tokens >= Math.Min(bytes, capacity);
    }

    public void OnPacketSent(long now, int bytes)
    {
        if (!_rtt.HasSample)
        {
            return;
        }

        Refill(now);

        // Floored at zero: a probe sent past the pacer must not push later packets further back.
        _tokens = Math.Max(_tokens - bytes, 0);
    }

    /// <summary>
    /// When a packet of <paramref name="bytes"/> may be sent: <paramref name="now"/> if it may be
    /// sent at once, otherwise the moment enough tokens will have accrued.
    /// </summary>
    public long NextSendTime(long now, int bytes)
    {
        if (!_rtt.HasSample)
        {
            return now;
        }

        long capacity = Refill(now);
        double missing = Math.Min(bytes, capacity) - _tokens;
        if (missing <= 0)
        {
            return now;
        }

        double wait = Math.Ceiling(missing / Rate);
        return now + Math.Max((long)Math.Min(wait, long.MaxValue / 4), 1);
    }

    private long Refill(long now)
    {
        long capacity = BurstCapacity;
        if (!_started)
        {
            // The first paced send finds a full bucket, like a connection after idle.
            _started = true;
            _tokens = capacity;
            _lastRefill = now;
            return capacity;
        }

        if (now > _lastRefill)
        {
            _tokens = Math.Min(_tokens + ((now - _lastRefill) * Rate), capacity);
            _lastRefill = now;
        }
        else
        {
            // The window may have shrunk since the last refill.
            _tokens = Math.Min(_tokens, capacity);
        }

        return capacity;
    }
}
