using MeshHost.Transport;
using Microsoft.Extensions.Logging;

namespace MeshHost.Mesh.PubSub;

/// <summary>STUB of the gossip router's contract; see the pubsub task.</summary>
internal sealed class GossipRouter : IDisposable
{
    public GossipRouter(NodeIdentity identity, IPubSubLinks links, GossipOptions options, TimeProvider time, ILogger logger, Random? random = null)
    {
        _ = (identity, links, options, time, logger, random);
    }

    /// <summary>A neighbour's session is ready: exchange subscriptions with it.</summary>
    public void AddPeer(NodeId peer) => _ = peer;

    /// <summary>A neighbour's session ended.</summary>
    public void RemovePeer(NodeId peer) => _ = peer;

    /// <summary>A pubsub frame arrived from a neighbour. Never throws for bad input: drops and counts.</summary>
    public void HandleFrame(NodeId from, ReadOnlySpan<byte> frame) => _ = (from, frame.Length);

    /// <summary>Subscribes this node to a topic; returns a handle that leaves when disposed.</summary>
    public IDisposable Subscribe(string topic, TopicDelivery delivery) => throw new NotSupportedException("stub");

    /// <summary>Signs and publishes; returns the number of peers the message was first sent to.</summary>
    public int Publish(string topic, ReadOnlySpan<byte> payload) => throw new NotSupportedException("stub");

    /// <summary>The topics this node subscribes to.</summary>
    public IReadOnlyList<string> Topics => [];

    /// <summary>Starts the heartbeat timer.</summary>
    public void Start()
    {
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
