using MeshHost.Sdk;

namespace MeshHost.Plugins.Chat;

/// <summary>
/// A token bucket per peer on the node's clock. The table is bounded: when it is full it is cleared,
/// which at worst gives every peer a fresh burst (cheaper than tracking recency for a rare case).
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class RateLimiter
{
    private const int MaxPeers = 4096;
    private readonly Lock _sync = new();
    private readonly Dictionary<PeerId, (double Tokens, long At)> _buckets = [];
    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _burst;

    public RateLimiter(TimeProvider time, double perSecond, double burst)
    {
        _time = time;
        _perSecond = perSecond;
        _burst = burst;
    }

    /// <summary>Takes one token from <paramref name="peer"/>'s bucket; false when it is empty.</summary>
    public bool TryTake(PeerId peer)
    {
        long now = _time.GetTimestamp();
        lock (_sync)
        {
            double tokens = _burst;
            if (_buckets.TryGetValue(peer, out (double Tokens, long At) bucket))
            {
                tokens = Math.Min(_burst, bucket.Tokens + (_time.GetElapsedTime(bucket.At, now).TotalSeconds * _perSecond));
            }
            else if (_buckets.Count >= MaxPeers)
            {
                _buckets.Clear();
            }

            bool allowed = tokens >= 1;
            _buckets[peer] = (allowed ? tokens - 1 : tokens, now);
            return allowed;
        }
    }
}
