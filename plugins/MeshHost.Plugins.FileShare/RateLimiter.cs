namespace MeshHost.Plugins.FileShare;

/// <summary>
/// A byte-rate limit on the node's clock: a token bucket that may go into debt, so a caller takes what
/// it needs at once and then waits until the debt is paid back. Unlimited when the rate is 0.
/// </summary>
/// <remarks>Thread-safe. Waiters are not queued: each computes its own delay, so the rate holds on average over a burst's time.</remarks>
internal sealed class RateLimiter
{
    private readonly Lock _sync = new();
    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _burst;
    private double _tokens;
    private long _at;

    public RateLimiter(TimeProvider time, long bytesPerSecond)
    {
        _time = time;
        _perSecond = bytesPerSecond;

        // A tenth of a second's worth (at least 256 KiB, one typical response): smooth, yet a response never waits for itself.
        _burst = Math.Max(bytesPerSecond / 10.0, 256 * 1024);
        _tokens = _burst;
        _at = time.GetTimestamp();
    }

    /// <summary>Bytes per second; 0 means unlimited.</summary>
    public long BytesPerSecond => (long)_perSecond;

    /// <summary>Takes <paramref name="bytes"/> and waits as long as the bucket is in debt.</summary>
    public ValueTask TakeAsync(int bytes, CancellationToken cancellationToken)
    {
        if (_perSecond <= 0)
        {
            return ValueTask.CompletedTask;
        }

        double debt;
        lock (_sync)
        {
            long now = _time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_at, now).TotalSeconds * _perSecond));
            _at = now;
            _tokens -= bytes;
            debt = -_tokens;
        }

        return debt <= 0
            ? ValueTask.CompletedTask
            : new ValueTask(Task.Delay(TimeSpan.FromSeconds(debt / _perSecond), _time, cancellationToken));
    }
}
