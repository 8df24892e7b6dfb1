namespace MeshHost.Mesh.PubSub;

/// <summary>A token bucket: <c>rate</c> tokens per second up to <c>burst</c>; one token per accepted item.</summary>
/// <remarks>Not thread-safe: the router uses it under its lock. Times are <see cref="TimeProvider"/> timestamps.</remarks>
internal sealed class TokenBucket
{
    private readonly double _ratePerTick;
    private readonly double _burst;
    private double _tokens;
    private long _last;

    /// <summary>Creates a full bucket.</summary>
    /// <param name="ratePerSecond">Refill rate, tokens per second.</param>
    /// <param name="burst">Capacity.</param>
    /// <param name="frequency">Timestamp units per second (<see cref="TimeProvider.TimestampFrequency"/>).</param>
    /// <param name="now">The current timestamp.</param>
    public TokenBucket(double ratePerSecond, int burst, long frequency, long now)
    {
        _ratePerTick = ratePerSecond / frequency;
        _burst = burst;
        _tokens = burst;
        _last = now;
    }

    /// <summary>Takes one token if there is one.</summary>
    public bool TryTake(long now)
    {
        if (now > _last)
        {
            _tokens = Math.Min(_burst, _tokens + ((now - _last) * _ratePerTick));
            _last = now;
        }

        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}
