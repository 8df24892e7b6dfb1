namespace MeshHost.Mesh.PubSub.Simulation;

/// <summary>
/// A seeded random connected graph of simulated nodes: each node links to random others until it
/// has at least the target degree, then components are joined, and every link gets a fixed one-way
/// latency drawn uniformly from a range.
/// </summary>
internal sealed class SimTopology
{
    private readonly List<int>[] _neighbours;
    private readonly Dictionary<(int, int), TimeSpan> _latency = new();

    private SimTopology(int nodes)
    {
        _neighbours = new List<int>[nodes];
        for (int i = 0; i < nodes; i++)
        {
            _neighbours[i] = [];
        }
    }

    /// <summary>The number of nodes.</summary>
    public int Count => _neighbours.Length;

    /// <summary>The number of links.</summary>
    public int Links => _latency.Count;

    /// <summary>Builds a connected graph of <paramref name="nodes"/> nodes, each with at least <paramref name="degree"/> links (fewer only when the graph is smaller).</summary>
    public static SimTopology Random(int nodes, int degree, TimeSpan minLatency, TimeSpan maxLatency, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        ArgumentNullException.ThrowIfNull(random);
        var topology = new SimTopology(nodes);
        int target = Math.Min(degree, nodes - 1);
        for (int i = 0; i < nodes; i++)
        {
            while (topology._neighbours[i].Count < target)
            {
                int j = random.Next(nodes);
                if (j != i && !topology.AreLinked(i, j))
                {
                    topology.Link(i, j, Draw(minLatency, maxLatency, random));
                }
            }
        }

        // A random graph of degree >= 8 is almost always connected; make sure of it.
        int[] component = topology.Components();
        for (int i = 1; i < nodes; i++)
        {
            if (component[i] == i)
            {
                // The first node of another component: join it to the first one.
                topology.Link(i, random.Next(i), Draw(minLatency, maxLatency, random));
            }
        }

        return topology;
    }

    /// <summary>The neighbours of <paramref name="node"/>.</summary>
    public IReadOnlyList<int> Neighbours(int node) => _neighbours[node];

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> are linked.</summary>
    public bool AreLinked(int a, int b) => _latency.ContainsKey(Key(a, b));

    /// <summary>The one-way latency of the link between <paramref name="a"/> and <paramref name="b"/>.</summary>
    public TimeSpan Latency(int a, int b) => _latency[Key(a, b)];

    /// <summary>Adds a link.</summary>
    public void Link(int a, int b, TimeSpan latency)
    {
        if (a == b || !_latency.TryAdd(Key(a, b), latency))
        {
            return;
        }

        _neighbours[a].Add(b);
        _neighbours[b].Add(a);
    }

    /// <summary>Removes a link.</summary>
    public void Unlink(int a, int b)
    {
        if (_latency.Remove(Key(a, b)))
        {
            _neighbours[a].Remove(b);
            _neighbours[b].Remove(a);
        }
    }

    private static (int, int) Key(int a, int b) => a < b ? (a, b) : (b, a);

    private static TimeSpan Draw(TimeSpan min, TimeSpan max, Random random) =>
        min + TimeSpan.FromTicks((long)(random.NextDouble() * (max - min).Ticks));

    /// <summary>For each node, the smallest node index of its component.</summary>
    private int[] Components()
    {
        int[] component = new int[Count];
        Array.Fill(component, -1);
        var stack = new Stack<int>();
        for (int start = 0; start < Count; start++)
        {
            if (component[start] >= 0)
            {
                continue;
            }

            component[start] = start;
            stack.Push(start);
            while (stack.Count > 0)
            {
                foreach (int next in _neighbours[stack.Pop()])
                {
                    if (component[next] < 0)
                    {
                        component[next] = start;
                        stack.Push(next);
                    }
                }
            }
        }

        return component;
    }
}
