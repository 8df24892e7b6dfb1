namespace MeshHost.Plugins.Chat;

/// <summary>
/// A hybrid logical clock (Kulkarni et al.): timestamps are <c>milliseconds &lt;&lt; 16 | counter</c>,
/// never behind the node's clock, and always after every timestamp this node has sent or received, so
/// a reply sorts after what it answers even when the clocks of its author and reader disagree.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class HybridLogicalClock
{
    private const int CounterBits = 16;
    private readonly TimeProvider _time;
    private readonly Lock _sync = new();
    private ulong _last;

    public HybridLogicalClock(TimeProvider time) => _time = time;

    /// <summary>The physical part of a timestamp as a time.</summary>
    public static DateTimeOffset ToTime(ulong hlc) => DateTimeOffset.FromUnixTimeMilliseconds((long)(hlc >> CounterBits));

    /// <summary>The timestamp of physical time <paramref name="time"/> with a zero counter.</summary>
    public static ulong FromTime(DateTimeOffset time) => (ulong)Math.Max(0, time.ToUnixTimeMilliseconds()) << CounterBits;

    /// <summary>A timestamp for a message sent now.</summary>
    public ulong Next()
    {
        ulong physical = FromTime(_time.GetUtcNow());
        lock (_sync)
        {
            _last = Math.Max(_last + 1, physical);
            return _last;
        }
    }

    /// <summary>Moves the clock past a received timestamp (one already checked against the skew bound).</summary>
    public void Observe(ulong hlc)
    {
        lock (_sync)
        {
            _last = Math.Max(_last, hlc);
        }
    }
}
