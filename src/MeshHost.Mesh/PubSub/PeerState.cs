using MeshHost.Transport;

namespace MeshHost.Mesh.PubSub;

/// <summary>What the router knows about one neighbour. Guarded by the router's lock.</summary>
internal sealed class PeerState
{
    public PeerState(NodeId id, TokenBucket publishBucket)
    {
        Id = id;
        PublishBucket = publishBucket;
        Name = id.ToShortString();
    }

    public NodeId Id { get; }

    /// <summary>The short id, for logs.</summary>
    public string Name { get; }

    /// <summary>The topics the neighbour announced (bounded by <see cref="GossipOptions.MaxTopicsPerPeer"/>).</summary>
    public HashSet<string> Topics { get; } = new(StringComparer.Ordinal);

    /// <summary>Limits the PUBLISH items accepted from the neighbour.</summary>
    public TokenBucket PublishBucket { get; }

    /// <summary>
    /// Until when (timestamp) we do not graft the neighbour into a topic's mesh, after a PRUNE either
    /// way. Only topics we subscribe to, so bounded by our subscriptions.
    /// </summary>
    public Dictionary<string, long> Backoff { get; } = new(StringComparer.Ordinal);

    /// <summary>IHAVE items read from the neighbour this heartbeat.</summary>
    public int IHaves { get; set; }

    /// <summary>Messages sent to the neighbour in answer to IWANT this heartbeat.</summary>
    public int IWantReplies { get; set; }

    /// <summary>PUBLISH items refused by the token bucket since the last heartbeat (logged once per heartbeat).</summary>
    public int RateLimited { get; set; }

    public bool InBackoff(string topic, long now) => Backoff.TryGetValue(topic, out long until) && until > now;
}
