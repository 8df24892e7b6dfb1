using MeshHost.Transport.Testing;

namespace MeshHost.Mesh.PubSub.Simulation;

/// <summary>
/// The baseline gossip is measured against: naive flooding on the same topology, latencies and loss
/// rate. Every node forwards each message it sees for the first time to all its neighbours but the
/// one it came from; nothing repairs a loss. Every node subscribes.
/// </summary>
internal sealed class FloodSimulation
{
    // What a PUBLISH item adds to its payload (topic, key, seqno, signature, hops, framing), so bytes compare fairly.
    private const int FrameOverhead = 160;

    private readonly HashSet<int>[] _seen;

    public FloodSimulation(SimTopology topology, int seed)
    {
        ArgumentNullException.ThrowIfNull(topology);
        Clock = new ManualTimeProvider();
        Network = new SimNetwork(topology, Clock, seed);
        Deliveries = new DeliveryTracker(topology.Count);
        _seen = new HashSet<int>[topology.Count];
        for (int i = 0; i < _seen.Length; i++)
        {
            _seen[i] = [];
        }
    }

    public ManualTimeProvider Clock { get; }

    public SimNetwork Network { get; }

    public DeliveryTracker Deliveries { get; }

    /// <summary>Floods a message of <paramref name="size"/> bytes from <paramref name="node"/>; returns its number.</summary>
    public int Publish(int node, int size)
    {
        int message = Deliveries.Register(node, Clock.GetUtcNow(), _seen.Length);
        Receive(node, -1, message, 0, size);
        return message;
    }

    /// <summary>Advances simulated time by <paramref name="duration"/>.</summary>
    public void RunFor(TimeSpan duration) => Clock.Advance(duration);

    private void Receive(int node, int from, int message, int hops, int size)
    {
        if (!_seen[node].Add(message))
        {
            return;
        }

        Deliveries.Record(message, node, hops, Clock.GetUtcNow());
        foreach (int next in Network.Topology.Neighbours(node))
        {
            if (next != from)
            {
                Network.Send(node, next, size + FrameOverhead, (Sim: this, Node: next, From: node, Message: message, Hops: hops + 1, Size: size), static f => f.Sim.Receive(f.Node, f.From, f.Message, f.Hops, f.Size));
            }
        }
    }
}
