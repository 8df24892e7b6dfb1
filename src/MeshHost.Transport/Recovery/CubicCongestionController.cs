namespace MeshHost.Transport.Recovery;

/// <summary>
/// CUBIC (RFC 9438) in bytes, an alternative to <see cref="NewRenoCongestionController"/> for paths
/// with a large bandwidth-delay product: after a loss the window grows along a cubic curve that
/// flattens near the window where the loss happened (W_max) and then probes beyond it, and never
/// grows slower than Reno would (the Reno-friendly region). Slow start, the recovery period and
/// persistent congestion behave as in RFC 9002.
/// </summary>
internal sealed class CubicCongestionController : ICongestionController
{
    /// <summary>C, in segments per second cubed.</summary>
    private const double Cubic = 0.4;

    /// <summary>β_cubic: the window kept on a congestion event.</summary>
    private const double Beta = 0.7;

    /// <summary>α_cubic = 3 (1 − β) / (1 + β): Reno's average growth for the same β.</summary>
    private const double RenoFriendlyAlpha = 3 * (1 - Beta) / (1 + Beta);

    private const double MaxWindow = 1L << 40;

    private readonly RttEstimator _rtt;
    private int _maxDatagramSize;
    private double _window;
    private long _slowStartThreshold = long.MaxValue;
    private long _recoveryStartTime = long.MinValue;
    private bool _windowTouched;

    // The current congestion avoidance epoch; long.MinValue: none (it starts on the next ack).
    private long _epochStart = long.MinValue;
    private double _k; // seconds from the epoch start until the curve reaches W_max
    private double _windowMax; // W_max in bytes
    private double _renoWindow; // W_est in bytes

    /// <param name="rtt">Supplies smoothed_rtt, the horizon the cubic curve is evaluated at.</param>
    /// <param name="maxDatagramSize">The segment size windows are counted in.</param>
    public CubicCongestionController(RttEstimator rtt, int maxDatagramSize = 1200)
    {
        ArgumentNullException.ThrowIfNull(rtt);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDatagramSize, 1);
        _rtt = rtt;
        _maxDatagramSize = maxDatagramSize;
        _window = InitialWindow;
    }

    public int MaxDatagramSize => _maxDatagramSize;

    public long CongestionWindow => (long)_window;

    public long BytesInFlight { get; private set; }

    public long AvailableWindow => Math.Max(CongestionWindow - BytesInFlight, 0);

    public long SlowStartThreshold => _slowStartThreshold;

    public bool IsApplicationLimited { get; set; }

    public bool InSlowStart => CongestionWindow < _slowStartThreshold;

    /// <summary>W_max: the window at the last congestion event (after fast convergence), in bytes.</summary>
    public long WindowMax => (long)_windowMax;

    public long InitialWindow => Math.Min(10L * _maxDatagramSize, Math.Max(14_720L, 2L * _maxDatagramSize));

    public long MinimumWindow => 2L * _maxDatagramSize;

    public bool CanSend(int bytes) => BytesInFlight + bytes <= CongestionWindow;

    public void OnPacketSent(long now, int bytes) => BytesInFlight += bytes;

    public void OnPacketAcked(long sentTime, int bytes, long now)
    {
        BytesInFlight = Math.Max(BytesInFlight - bytes, 0);
        if (IsApplicationLimited)
        {
            // The curve is a function of time; an epoch that ran while the window went unused
            // would jump when sending resumes, so a new epoch starts then (RFC 9438 §5.8).
            _epochStart = long.MinValue;
            return;
        }

        if (sentTime <= _recoveryStartTime)
        {
            return;
        }

        _windowTouched = true;
        if (_window < _slowStartThreshold)
        {
            _window = Math.Min(_window + bytes, MaxWindow);
            return;
        }

        if (_epochStart == long.MinValue)
        {
            StartEpoch(now);
        }

        double segment = _maxDatagramSize;
        double elapsed = (now - _epochStart) / 1_000_000.0;

        // The Reno-friendly estimate grows α segments per window acknowledged (§4.3); while the
        // curve is below it, Reno would do better and the window follows the estimate.
        _renoWindow += RenoFriendlyAlpha * segment * bytes / _window;
        double next;
        if (CubicWindow(elapsed) < _renoWindow)
        {
            next = Math.Max(_window, _renoWindow);
        }
        else
        {
            // Towards W_cubic one RTT ahead (§4.2), clamped to [cwnd, 1.5 cwnd].
            double target = Math.Clamp(CubicWindow(elapsed + (_rtt.SmoothedRtt / 1_000_000.0)), _window, 1.5 * _window);
            next = _window + ((target - _window) * bytes / _window);
        }

        _window = Math.Min(next, MaxWindow);
    }

    public void OnPacketLost(int bytes) => BytesInFlight = Math.Max(BytesInFlight - bytes, 0);

    public void OnCongestionEvent(long sentTimeOfLargestLost, long now)
    {
        if (sentTimeOfLargestLost <= _recoveryStartTime)
        {
            return;
        }

        _windowTouched = true;
        _recoveryStartTime = now;
        _epochStart = long.MinValue;

        // Fast convergence (§4.7): a loss below the previous W_max means another flow took a share,
        // so release some of it sooner.
        _windowMax = _window < _windowMax ? _window * (1 + Beta) / 2 : _window;
        _slowStartThreshold = Math.Max((long)(_window * Beta), MinimumWindow);
        _window = _slowStartThreshold;
    }

    public void OnPersistentCongestion()
    {
        _windowTouched = true;
        _window = MinimumWindow;
        _epochStart = long.MinValue;
        _recoveryStartTime = long.MinValue;
    }

    public void OnPacketDiscarded(int bytes) => BytesInFlight = Math.Max(BytesInFlight - bytes, 0);

    public void SetMaxDatagramSize(int maxDatagramSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDatagramSize, 1);
        _maxDatagramSize = maxDatagramSize;
        if (!_windowTouched)
        {
            _window = InitialWindow;
        }

        _window = Math.Max(_window, MinimumWindow);
        if (_slowStartThreshold != long.MaxValue)
        {
            _slowStartThreshold = Math.Max(_slowStartThreshold, MinimumWindow);
        }
    }

    /// <summary>W_cubic(t) = C (t − K)³ + W_max, in bytes, t in seconds since the epoch started.</summary>
    private double CubicWindow(double t)
    {
        double offset = t - _k;
        return (Cubic * offset * offset * offset * _maxDatagramSize) + _windowMax;
    }

    private void StartEpoch(long now)
    {
        _epochStart = now;
        _renoWindow = _window;
        if (_windowMax <= _window)
        {
            // No loss yet, or the window already passed W_max: probe from here.
            _windowMax = _window;
            _k = 0;
        }
        else
        {
            // K = cbrt((W_max − cwnd_epoch) / C), in segments (§4.2).
            _k = Math.Cbrt((_windowMax - _window) / _maxDatagramSize / Cubic);
        }
    }
}
