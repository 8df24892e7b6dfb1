namespace MeshHost.Mesh.PubSub;

/// <summary>
/// The ids of messages already handled, so that each is delivered and forwarded once. Bounded two
/// ways: an id is forgotten after the TTL, and beyond the capacity the oldest go first (a flood can
/// then make an old message look new again, which costs a duplicate delivery, never memory).
/// </summary>
/// <remarks>Not thread-safe: the router calls it under its lock. Times are <see cref="TimeProvider"/> timestamps.</remarks>
internal sealed class SeenCache
{
    private readonly Dictionary<MessageId, long> _seen = new();
    private readonly Queue<(MessageId Id, long Expires)> _order = new();
    private readonly int _capacity;
    private readonly long _ttl;

    /// <summary>Creates a cache of at most <paramref name="capacity"/> ids, each kept for <paramref name="ttl"/> timestamp units.</summary>
    public SeenCache(int capacity, long ttl)
    {
        _capacity = capacity;
        _ttl = ttl;
    }

    /// <summary>Ids held now.</summary>
    public int Count => _seen.Count;

    /// <summary>Whether <paramref name="id"/> was seen and not yet forgotten.</summary>
    public bool Contains(MessageId id) => _seen.ContainsKey(id);

    /// <summary>Remembers <paramref name="id"/>; false if it was already there.</summary>
    public bool TryAdd(MessageId id, long now)
    {
        Expire(now);
        if (!_seen.TryAdd(id, now + _ttl))
        {
            return false;
        }

        _order.Enqueue((id, now + _ttl));
        while (_seen.Count > _capacity)
        {
            _seen.Remove(_order.Dequeue().Id);
        }

        return true;
    }

    /// <summary>Forgets the ids whose TTL has passed.</summary>
    public void Expire(long now)
    {
        // Every id has the same TTL, so the queue is in expiry order.
        while (_order.Count > 0 && _order.Peek().Expires <= now)
        {
            _seen.Remove(_order.Dequeue().Id);
        }
    }
}
