using MeshHost.Mesh.PubSub;
using MeshHost.Mesh.PubSub.Protocol;
using MeshHost.Transport;
using MeshHost.Transport.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MeshHost.Mesh.Tests.PubSub;

/// <summary>One router under test with recording links on a manual clock, and helpers to craft the frames its neighbours would send.</summary>
internal sealed class RouterHarness : IDisposable
{
    public RouterHarness(GossipOptions? options = null, int seed = 1)
    {
        Clock = new ManualTimeProvider();
        Identity = NodeIdentity.Generate();
        Router = new GossipRouter(Identity, Links, options ?? new GossipOptions(), Clock, NullLogger.Instance, new Random(seed));
    }

    public ManualTimeProvider Clock { get; }

    public NodeIdentity Identity { get; }

    public RecordingLinks Links { get; } = new();

    public GossipRouter Router { get; }

    public List<(NodeId Origin, byte[] Payload, int Hops)> Received { get; } = [];

    /// <summary>Subscribes the router to <paramref name="topic"/>, recording deliveries in <see cref="Received"/>.</summary>
    public IDisposable Subscribe(string topic) => Router.Subscribe(topic, (origin, payload, hops) => Received.Add((origin, payload.ToArray(), hops)));

    /// <summary>A random neighbour id, added to the router and announced as subscribed to <paramref name="topics"/>.</summary>
    public NodeId AddPeer(Random random, params string[] topics)
    {
        NodeId peer = NodeId.Random(random);
        Router.AddPeer(peer);
        foreach (string topic in topics)
        {
            Router.HandleFrame(peer, PubSubCodec.Encode(new SubscribeItem { Topic = topic }));
        }

        return peer;
    }

    /// <summary>A PUBLISH item signed by <paramref name="origin"/>.</summary>
    public static PublishItem Signed(NodeIdentity origin, string topic, ulong seqno, byte[] payload, int hops = 1) => new()
    {
        Topic = topic,
        OriginKey = origin.PublicKey.ToArray(),
        Seqno = seqno,
        Payload = payload,
        Signature = PubSubCodec.Sign(origin, topic, seqno, payload),
        Hops = hops,
    };

    public void Dispose()
    {
        Router.Dispose();
        Identity.Dispose();
    }
}
