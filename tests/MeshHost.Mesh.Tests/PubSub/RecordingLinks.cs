using MeshHost.Mesh.PubSub;
using MeshHost.Mesh.PubSub.Protocol;
using MeshHost.Transport;

namespace MeshHost.Mesh.Tests.PubSub;

/// <summary>Links that keep every frame a router sends, decoded, and every request for topic peers.</summary>
internal sealed class RecordingLinks : IPubSubLinks
{
    public List<(NodeId Peer, PubSubFrame Frame)> Sent { get; } = [];

    public List<string> TopicPeerRequests { get; } = [];

    public bool TrySend(NodeId peer, ReadOnlySpan<byte> frame)
    {
        Sent.Add((peer, PubSubCodec.Decode(frame, 1024 * 1024) ?? throw new InvalidOperationException("The router sent a frame it cannot decode.")));
        return true;
    }

    public void RequestTopicPeers(string topic) => TopicPeerRequests.Add(topic);

    /// <summary>The items of type <typeparamref name="T"/> sent to <paramref name="peer"/>.</summary>
    public List<T> ItemsTo<T>(NodeId peer)
        where T : PubSubItem
    {
        var items = new List<T>();
        foreach ((NodeId to, PubSubFrame frame) in Sent)
        {
            if (to == peer)
            {
                items.AddRange(frame.Items.OfType<T>());
            }
        }

        return items;
    }
}
