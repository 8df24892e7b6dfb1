namespace MeshHost.Transport.Tests.Security;

/// <summary>A clock that moves only when the test says so (no timers: the retry tokens need none).</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    public DateTimeOffset UtcNow { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Ticks of <see cref="TimestampFrequency"/>; starts far from zero like a real uptime.</summary>
    public long Timestamp { get; set; } = 123_456_789_000;

    public override long TimestampFrequency => 1_000_000_000;

    public override DateTimeOffset GetUtcNow() => UtcNow;

    public override long GetTimestamp() => Timestamp;

    public void Advance(TimeSpan delta)
    {
        UtcNow += delta;
        Timestamp += (long)(delta.TotalSeconds * TimestampFrequency);
    }
}
