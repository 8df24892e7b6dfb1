namespace MeshHost.Transport;

/// <summary>A token bucket refilled at a steady rate per second, holding at most one second's worth. Not thread-safe.</summary>
internal sealed class TokenBucket(int perSecond)
{
    private readonly double _perMicrosecond = perSecond / 1_000_000.0;
    private double _tokens = perSecond;
    private long _last = long.MinValue;

    public bool TryTake(long nowMicroseconds)
    {
        if (_last != long.MinValue)
        {
            _tokens = Math.Min(perSecond, _tokens + ((nowMicroseconds - _last) * _perMicrosecond));
        }

        _last = nowMicroseconds;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }
}
