namespace MeshHost.Transport;

/// <summary>
/// Reads a <see cref="TimeProvider"/>'s monotonic timestamp in microseconds, the unit every
/// transport timer and RTT figure uses (fine enough for loopback RTTs, and a long of them lasts
/// 292,000 years).
/// </summary>
internal readonly struct MonotonicClock
{
    private readonly TimeProvider _time;
    private readonly double _microsecondsPerTick;

    public MonotonicClock(TimeProvider time)
    {
        _time = time;
        _microsecondsPerTick = 1_000_000.0 / time.TimestampFrequency;
    }

    public TimeProvider TimeProvider => _time;

    /// <summary>Microseconds since an arbitrary fixed origin.</summary>
    public long NowMicroseconds => (long)(_time.GetTimestamp() * _microsecondsPerTick);
}
