using MeshHost.Transport;

namespace MeshHost.Mesh.PubSub;

/// <summary>
/// One topic: the neighbours subscribed to it, and our own part in it (subscriptions and mesh, or a
/// fanout set while we publish without subscribing). Guarded by the router's lock.
/// </summary>
internal sealed class TopicState
{
    public TopicState(string name)
    {
        Name = name;
    }

    public string Name { get; }

    /// <summary>Neighbours that announced a subscription to the topic.</summary>
    public HashSet<NodeId> Peers { get; } = [];

    /// <summary>Our local subscriptions (copy on write, so deliveries can read it outside the lock).</summary>
    public GossipSubscription[] Subscriptions { get; set; } = [];

    public bool Subscribed => Subscriptions.Length > 0;

    /// <summary>The mesh peers while we subscribe; null otherwise.</summary>
    public HashSet<NodeId>? Mesh { get; set; }

    /// <summary>The peers we publish to while not subscribed; null when there is no fanout.</summary>
    public HashSet<NodeId>? Fanout { get; set; }

    /// <summary>When we last published on the fanout (timestamp).</summary>
    public long FanoutLastPublished { get; set; }

    /// <summary>When we last asked the links for more peers of the topic (timestamp), or null.</summary>
    public long? LastPeerRequest { get; set; }

    /// <summary>Whether the state can be forgotten: nobody subscribes and we neither subscribe nor publish.</summary>
    public bool Unused => Peers.Count == 0 && !Subscribed && Fanout is null;
}
