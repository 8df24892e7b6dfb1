using MeshHost.Mesh.PubSub.Protocol;
using MeshHost.Transport;

namespace MeshHost.Mesh.PubSub;

/// <summary>
/// What one router operation decided to do, collected under the router's lock and carried out after
/// it is released: frames to send, messages to deliver locally, topics to find peers for. Control
/// items for one peer are packed into as few frames as the size limit allows.
/// </summary>
internal sealed class Outbox
{
    public Dictionary<NodeId, List<PubSubItem>> Control { get; } = new();

    public List<(NodeId Peer, byte[] Frame, bool Relay)> Payload { get; } = [];

    public List<(GossipSubscription[] Subscriptions, NodeId Origin, PublishItem Item, int Hops)> Deliveries { get; } = [];

    public List<(string Topic, int Mesh)> TopicPeerRequests { get; } = [];

    public bool IsEmpty => Control.Count == 0 && Payload.Count == 0 && Deliveries.Count == 0 && TopicPeerRequests.Count == 0;

    public void Add(NodeId peer, PubSubItem item)
    {
        if (!Control.TryGetValue(peer, out List<PubSubItem>? items))
        {
            items = [];
            Control.Add(peer, items);
        }

        items.Add(item);
    }

    public void Send(NodeId peer, byte[] frame, bool relay) => Payload.Add((peer, frame, relay));

    /// <summary>An upper bound of an item's encoded size, to split control frames below the frame limit.</summary>
    public static int EstimateSize(PubSubItem item) => 16 + item switch
    {
        SubscribeItem s => s.Topic.Length * 3,
        UnsubscribeItem s => s.Topic.Length * 3,
        GraftItem g => g.Topic.Length * 3,
        PruneItem p => p.Topic.Length * 3,
        IHaveItem h => (h.Topic.Length * 3) + h.Ids.Length,
        IWantItem w => w.Ids.Length,
        PublishItem p => 160 + (p.Topic.Length * 3) + p.Payload.Length,
        _ => 0,
    };
}
