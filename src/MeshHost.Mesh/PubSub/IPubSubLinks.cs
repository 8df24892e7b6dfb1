using MeshHost.Transport;

namespace MeshHost.Mesh.PubSub;

/// <summary>
/// How a <see cref="GossipRouter"/> reaches its neighbours: <see cref="MeshNode"/> over transport
/// sessions (transport channel 2, reliable unordered), an in-memory simulator in tests and benchmarks.
/// </summary>
internal interface IPubSubLinks
{
    /// <summary>
    /// Sends one pubsub frame to a connected neighbour. Returns false, having sent nothing, when the
    /// neighbour is gone or its send buffer is full; the router counts that and carries on (gossip repairs it).
    /// The span is only valid during the call.
    /// </summary>
    bool TrySend(NodeId peer, ReadOnlySpan<byte> frame);

    /// <summary>
    /// Asks the node to find more peers subscribed to <paramref name="topic"/> (DHT provider records)
    /// and connect to them; returns at once. The node calls <see cref="GossipRouter.AddPeer"/> as sessions come up.
    /// </summary>
    void RequestTopicPeers(string topic);
}

/// <summary>Receives the messages of a topic this node subscribed to. Must not block; the span is valid only during the call.</summary>
/// <param name="origin">The node that published (and signed) the message.</param>
/// <param name="payload">The application payload.</param>
/// <param name="hops">How many links the message crossed to get here (1 = straight from the origin).</param>
internal delegate void TopicDelivery(NodeId origin, ReadOnlySpan<byte> payload, int hops);
