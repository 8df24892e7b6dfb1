using System.Net;
using MeshHost.Dht.Records;
using MeshHost.Transport;

namespace MeshHost.Dht.Simulation;

/// <summary>
/// A whole DHT in one process: nodes on a <see cref="SimulatedNetwork"/> and a
/// <see cref="SimulationClock"/>, each with a public IPv4 address in its own /24 (so the IP-group
/// limits apply but never bind honest nodes), joined only through the DHT's own bootstrap code.
/// </summary>
/// <remarks>
/// Node ids are random by default (generating ECDSA keys for 10,000 nodes is a second of work that
/// buys nothing when they do not publish); nodes created with an identity can sign records. All
/// nodes share one <see cref="RecordValidator"/>, whose cache is a pure function of the bytes.
/// </remarks>
public sealed class DhtSimulation
{
    private readonly Random _random;
    private readonly List<DhtNode> _nodes = new();
    private readonly List<IPEndPoint> _seeds = new();

    /// <summary>Creates an empty simulation.</summary>
    public DhtSimulation(int seed, DhtOptions? options = null)
    {
        _random = new Random(seed);
        Options = options ?? new DhtOptions();
        Clock = new SimulationClock();
        Network = new SimulatedNetwork(Clock, seed ^ 0x5eed);
        Validator = new RecordValidator(Options, cacheCapacity: 1 << 16);
    }

    /// <summary>The node parameters.</summary>
    public DhtOptions Options { get; }

    /// <summary>The virtual clock.</summary>
    public SimulationClock Clock { get; }

    /// <summary>The network.</summary>
    public SimulatedNetwork Network { get; }

    /// <summary>The validator shared by every node.</summary>
    public RecordValidator Validator { get; }

    /// <summary>Every node created, failed or not.</summary>
    public IReadOnlyList<DhtNode> Nodes => _nodes;

    /// <summary>Creates a node (not yet joined). With <paramref name="identity"/> it can publish records.</summary>
    public DhtNode AddNode(NodeIdentity? identity = null, DhtOptions? options = null)
    {
        int index = _nodes.Count;
        var address = new IPAddress(new byte[] { (byte)(20 + (index >> 16)), (byte)(index >> 8), (byte)index, 1 });
        NodeId id = identity?.Id ?? NodeId.Random(_random);
        var contact = new DhtContact(id, new IPEndPoint(address, 4000));
        IDhtRpcClient client = Network.Attach(contact, out Action<IDhtRequestHandler> setHandler);
        var node = new DhtNode(id, client, options ?? Options, Clock, identity, Validator, new Random(_random.Next()));
        setHandler(node);
        _nodes.Add(node);
        Endpoints[node] = contact.EndPoint;
        return node;
    }

    /// <summary>Where each node listens.</summary>
    public Dictionary<DhtNode, IPEndPoint> Endpoints { get; } = new();

    /// <summary>
    /// Creates <paramref name="count"/> nodes and joins them through the first few, at most
    /// <paramref name="concurrency"/> (and a tenth of the network) joins at a time (each a real bootstrap: ping the seeds, look
    /// up its own id, optionally refresh its buckets).
    /// </summary>
    public void Grow(int count, int concurrency = 50, bool refreshBuckets = false)
    {
        var joining = new List<Task<int>>();
        for (int i = 0; i < count; i++)
        {
            DhtNode node = AddNode();
            if (_seeds.Count < 3)
            {
                // The first nodes are the seeds; each joins through the ones before it.
                var earlier = new List<IPEndPoint>(_seeds);
                _seeds.Add(Endpoints[node]);
                if (earlier.Count > 0)
                {
                    Run(node.BootstrapAsync(earlier, refreshBuckets), TimeSpan.FromMinutes(5));
                }

                continue;
            }

            joining.Add(node.BootstrapAsync(_seeds, refreshBuckets));
            // A tiny network swamped by concurrent joiners partitions: every joiner sees only the
            // seeds, whose full buckets keep the first arrivals. Real networks grow gradually, so
            // the number of joins in flight grows with the network (a tenth of it, up to the cap).
            if (joining.Count >= Math.Clamp(_nodes.Count / 10, 1, concurrency))
            {
                RunAll(joining, TimeSpan.FromMinutes(10));
                joining.Clear();
            }
        }

        RunAll(joining, TimeSpan.FromMinutes(10));
    }

    /// <summary>Joins <paramref name="node"/> through the seeds.</summary>
    public int Join(DhtNode node, bool refreshBuckets = false) => Run(node.BootstrapAsync(_seeds, refreshBuckets), TimeSpan.FromMinutes(5));

    /// <summary>Runs the clock until <paramref name="task"/> completes; throws if it has not within <paramref name="limit"/> of virtual time.</summary>
    public T Run<T>(Task<T> task, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (!Clock.RunUntil(() => task.IsCompleted, limit))
        {
            throw new TimeoutException($"The simulated operation did not finish within {limit} of virtual time.");
        }

        return task.GetAwaiter().GetResult();
    }

    /// <summary>Runs the clock until every task completes.</summary>
    public void RunAll<T>(List<Task<T>> tasks, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (!Clock.RunUntil(() => AllDone(tasks), limit))
        {
            throw new TimeoutException($"Simulated operations did not finish within {limit} of virtual time.");
        }

        foreach (Task<T> task in tasks)
        {
            task.GetAwaiter().GetResult();
        }
    }

    /// <summary>Fails <paramref name="node"/>: from now on it drops everything silently.</summary>
    public void Fail(DhtNode node) => Network.SetFailed(Endpoints[node], true);

    /// <summary>Whether <paramref name="node"/> has failed.</summary>
    public bool IsFailed(DhtNode node) => Network.IsFailed(Endpoints[node]);

    /// <summary>The live node closest to <paramref name="target"/> by global knowledge, other than <paramref name="exclude"/>.</summary>
    public DhtNode TrueClosest(NodeId target, DhtNode? exclude = null)
    {
        DhtNode? best = null;
        NodeId bestDistance = default;
        foreach (DhtNode node in _nodes)
        {
            if (node == exclude || IsFailed(node))
            {
                continue;
            }

            NodeId distance = node.Id ^ target;
            if (best is null || distance < bestDistance)
            {
                best = node;
                bestDistance = distance;
            }
        }

        return best!;
    }

    private static bool AllDone<T>(List<Task<T>> tasks)
    {
        foreach (Task<T> task in tasks)
        {
            if (!task.IsCompleted)
            {
                return false;
            }
        }

        return true;
    }
}
