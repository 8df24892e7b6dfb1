using System.Buffers.Binary;
using MeshHost.Transport;
using MeshHost.Transport.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MeshHost.Mesh.PubSub.Simulation;

/// <summary>
/// A whole gossip network in one process: one <see cref="GossipRouter"/> per node on a seeded
/// random <see cref="SimTopology"/>, frames carried as bytes by a <see cref="SimNetwork"/> (latency,
/// seeded loss) on one <see cref="ManualTimeProvider"/>. Each published payload starts with the
/// message's number, so deliveries are tracked per message and node (<see cref="Deliveries"/>).
/// </summary>
/// <remarks>Single-threaded: everything runs inside <see cref="RunFor"/> and the calls made between runs.</remarks>
internal sealed class PubSubSimulation : IDisposable
{
    private readonly GossipRouter[] _routers;
    private readonly NodeId[] _ids;
    private readonly Dictionary<NodeId, int> _index = new();
    private readonly Dictionary<(int, string), IDisposable> _subscriptions = new();
    private readonly SignatureVerifier _verifier;
    private readonly NodeIdentity[] _identities;

    /// <summary>Creates and connects <paramref name="nodes"/> routers (heartbeats started).</summary>
    /// <param name="nodes">Network size.</param>
    /// <param name="seed">Seeds the topology, loss, and each router's randomness.</param>
    /// <param name="options">Router parameters (default <see cref="GossipOptions"/>).</param>
    /// <param name="degree">Each node links to at least this many others.</param>
    /// <param name="minLatency">Shortest link latency (default 10 ms).</param>
    /// <param name="maxLatency">Longest link latency (default 30 ms).</param>
    /// <param name="logger">Routers' logger (default none).</param>
    public PubSubSimulation(int nodes, int seed, GossipOptions? options = null, int degree = 8, TimeSpan? minLatency = null, TimeSpan? maxLatency = null, ILogger? logger = null)
    {
        var random = new Random(seed);
        Options = options ?? new GossipOptions();
        Clock = new ManualTimeProvider();
        Topology = SimTopology.Random(nodes, degree, minLatency ?? TimeSpan.FromMilliseconds(10), maxLatency ?? TimeSpan.FromMilliseconds(30), random);
        Network = new SimNetwork(Topology, Clock, random.Next());
        Deliveries = new DeliveryTracker(nodes);
        _verifier = new SignatureVerifier(Math.Max(Options.VerifierCacheSize, nodes));
        _routers = new GossipRouter[nodes];
        _ids = new NodeId[nodes];
        _identities = new NodeIdentity[nodes];
        TopicPeerRequests = new List<string>[nodes];
        for (int i = 0; i < nodes; i++)
        {
            _identities[i] = NodeIdentity.Generate();
            _ids[i] = _identities[i].Id;
            _index[_ids[i]] = i;
            TopicPeerRequests[i] = [];
            _routers[i] = new GossipRouter(_identities[i], new Links(this, i), Options, Clock, logger ?? NullLogger.Instance, new Random(random.Next()), _verifier);
        }

        for (int i = 0; i < nodes; i++)
        {
            foreach (int j in Topology.Neighbours(i))
            {
                _routers[i].AddPeer(_ids[j]);
            }

            _routers[i].Start();
        }
    }

    public GossipOptions Options { get; }

    public ManualTimeProvider Clock { get; }

    public SimTopology Topology { get; }

    public SimNetwork Network { get; }

    public DeliveryTracker Deliveries { get; }

    public IReadOnlyList<GossipRouter> Routers => _routers;

    /// <summary>The topics each node asked its links to find peers for, in order.</summary>
    public List<string>[] TopicPeerRequests { get; }

    /// <summary>The id of node <paramref name="node"/>.</summary>
    public NodeId Id(int node) => _ids[node];

    /// <summary>Subscribes node <paramref name="node"/> to <paramref name="topic"/>, recording its deliveries.</summary>
    public void Subscribe(int node, string topic)
    {
        if (_subscriptions.ContainsKey((node, topic)))
        {
            return;
        }

        TopicDelivery delivery = (origin, payload, hops) => Deliveries.Record(BinaryPrimitives.ReadInt32BigEndian(payload), node, hops, Clock.GetUtcNow());
        _subscriptions[(node, topic)] = _routers[node].Subscribe(topic, delivery);
    }

    /// <summary>Subscribes every node to <paramref name="topic"/>.</summary>
    public void SubscribeAll(string topic)
    {
        for (int i = 0; i < _routers.Length; i++)
        {
            Subscribe(i, topic);
        }
    }

    /// <summary>Ends node <paramref name="node"/>'s subscription to <paramref name="topic"/>.</summary>
    public void Unsubscribe(int node, string topic)
    {
        if (_subscriptions.Remove((node, topic), out IDisposable? subscription))
        {
            subscription.Dispose();
        }
    }

    /// <summary>Publishes a message of <paramref name="size"/> bytes (at least 4: its number) from <paramref name="node"/>; returns its number.</summary>
    public int Publish(int node, string topic, int size = 64)
    {
        int expected = 0;
        foreach ((int _, string subscribed) in _subscriptions.Keys)
        {
            expected += subscribed == topic ? 1 : 0;
        }

        int message = Deliveries.Register(node, Clock.GetUtcNow(), expected);
        byte[] payload = new byte[Math.Max(size, sizeof(int))];
        BinaryPrimitives.WriteInt32BigEndian(payload, message);
        _routers[node].Publish(topic, payload);
        return message;
    }

    /// <summary>Advances simulated time by <paramref name="duration"/>: frames land and heartbeats beat in time order.</summary>
    public void RunFor(TimeSpan duration) => Clock.Advance(duration);

    /// <summary>Removes the link between two nodes (both routers drop each other).</summary>
    public void Unlink(int a, int b)
    {
        Topology.Unlink(a, b);
        _routers[a].RemovePeer(_ids[b]);
        _routers[b].RemovePeer(_ids[a]);
    }

    /// <summary>The sum over every router of the counter <paramref name="counter"/> picks.</summary>
    public long Sum(Func<GossipStatistics, long> counter)
    {
        ArgumentNullException.ThrowIfNull(counter);
        long sum = 0;
        foreach (GossipRouter router in _routers)
        {
            sum += counter(router.Statistics);
        }

        return sum;
    }

    public void Dispose()
    {
        foreach (GossipRouter router in _routers)
        {
            router.Dispose();
        }

        foreach (NodeIdentity identity in _identities)
        {
            identity.Dispose();
        }

        _verifier.Dispose();
    }

    /// <summary>A node's links: frames are copied (the span lives only during the call) and flown to the peer's router.</summary>
    private sealed class Links(PubSubSimulation sim, int node) : IPubSubLinks
    {
        public bool TrySend(NodeId peer, ReadOnlySpan<byte> frame)
        {
            if (!sim._index.TryGetValue(peer, out int to))
            {
                return false;
            }

            byte[] copy = frame.ToArray();
            return sim.Network.Send(node, to, copy.Length, (Router: sim._routers[to], From: sim._ids[node], Frame: copy), static f => f.Router.HandleFrame(f.From, f.Frame));
        }

        public void RequestTopicPeers(string topic) => sim.TopicPeerRequests[node].Add(topic);
    }
}
