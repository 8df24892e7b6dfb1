namespace MeshHost.Transport.Recovery;

/// <summary>
/// NewReno in bytes (RFC 9002 §7 and Appendix B): slow start until the first loss, then additive
/// increase of one datagram per window acknowledged, halving once per recovery period.
/// </summary>
internal sealed class NewRenoCongestionController : ICongestionController
{
    /// <summary>The cap on the window, far above any realistic bandwidth-delay product, so no arithmetic overflows.</summary>
    private const long MaxWindow = 1L << 40;

    private int _maxDatagramSize;
    private long _slowStartThreshold = long.MaxValue;
    private long _bytesAckedInAvoidance;

    // Packets sent at or before this time belong to the current recovery period; long.MinValue: none.
    private long _recoveryStartTime = long.MinValue;

    private bool _windowTouched;

    public NewRenoCongestionController(int maxDatagramSize = 1200)
    {
        ValidateDatagramSize(maxDatagramSize);
        _maxDatagramSize = maxDatagramSize;
        CongestionWindow = InitialWindowFor(maxDatagramSize);
    }

    public int MaxDatagramSize => _maxDatagramSize;

    public long CongestionWindow { get; private set; }

    public long BytesInFlight { get; private set; }

    public long AvailableWindow => Math.Max(CongestionWindow - BytesInFlight, 0);

    public long SlowStartThreshold => _slowStartThreshold;

    public bool IsApplicationLimited { get; set; }

    public bool InSlowStart => CongestionWindow < _slowStartThreshold;

    /// <summary>The initial window, RFC 9002 §7.2: min(10 × size, max(14,720, 2 × size)).</summary>
    public long InitialWindow => InitialWindowFor(_maxDatagramSize);

    /// <summary>The minimum window, RFC 9002 §7.2: 2 × size.</summary>
    public long MinimumWindow => 2L * _maxDatagramSize;

    public bool CanSend(int bytes) => BytesInFlight + bytes <= CongestionWindow;

    public void OnPacketSent(long now, int bytes) => BytesInFlight += bytes;

    public void OnPacketAcked(long sentTime, int bytes, long now)
    {
        RemoveFromFlight(bytes);
        if (IsApplicationLimited || InRecovery(sentTime))
        {
            return;
        }

        _windowTouched = true;
        if (CongestionWindow < _slowStartThreshold)
        {
            CongestionWindow = Math.Min(CongestionWindow + bytes, MaxWindow);
            return;
        }

        // Congestion avoidance: one datagram per congestion window of acknowledged bytes, counted
        // exactly instead of size × bytes / window per ack, which rounds to nothing for small packets.
        _bytesAckedInAvoidance += bytes;
        if (_bytesAckedInAvoidance >= CongestionWindow)
        {
            _bytesAckedInAvoidance -= CongestionWindow;
            CongestionWindow = Math.Min(CongestionWindow + _maxDatagramSize, MaxWindow);
        }
    }

    public void OnPacketLost(int bytes) => RemoveFromFlight(bytes);

    public void OnCongestionEvent(long sentTimeOfLargestLost, long now)
    {
        if (InRecovery(sentTimeOfLargestLost))
        {
            return;
        }

        _windowTouched = true;
        _recoveryStartTime = now;
        _slowStartThreshold = Math.Max(CongestionWindow / 2, MinimumWindow);
        CongestionWindow = _slowStartThreshold;
        _bytesAckedInAvoidance = 0;
    }

    public void OnPersistentCongestion()
    {
        _windowTouched = true;
        CongestionWindow = MinimumWindow;
        _bytesAckedInAvoidance = 0;

        // Leave the recovery period so the next acknowledgements restart slow start (RFC 9002 B.8).
        _recoveryStartTime = long.MinValue;
    }

    public void OnPacketDiscarded(int bytes) => RemoveFromFlight(bytes);

    public void SetMaxDatagramSize(int maxDatagramSize)
    {
        ValidateDatagramSize(maxDatagramSize);
        _maxDatagramSize = maxDatagramSize;

        // RFC 9002 §7.2: recompute the initial window for the new size while it is still untouched.
        if (!_windowTouched)
        {
            CongestionWindow = InitialWindowFor(maxDatagramSize);
        }

        CongestionWindow = Math.Max(CongestionWindow, MinimumWindow);
        if (_slowStartThreshold != long.MaxValue)
        {
            _slowStartThreshold = Math.Max(_slowStartThreshold, MinimumWindow);
        }
    }

    public bool InRecovery(long sentTime) => sentTime <= _recoveryStartTime;

    private void RemoveFromFlight(int bytes) => BytesInFlight = Math.Max(BytesInFlight - bytes, 0);

    private static long InitialWindowFor(int maxDatagramSize) =>
        Math.Min(10L * maxDatagramSize, Math.Max(14_720L, 2L * maxDatagramSize));

    private static void ValidateDatagramSize(int maxDatagramSize) =>
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDatagramSize, 1);
}
