namespace MeshHost.Mesh.PubSub.Simulation;

/// <summary>
/// Who received which simulated message, how many times, after how many hops and how long (from
/// publish to delivery, in simulated time). Messages are numbered in publish order.
/// </summary>
internal sealed class DeliveryTracker
{
    private readonly int _nodes;
    private readonly List<Message> _messages = [];

    public DeliveryTracker(int nodes)
    {
        _nodes = nodes;
    }

    /// <summary>Messages registered.</summary>
    public int Messages => _messages.Count;

    /// <summary>Hop counts of first deliveries to nodes other than the origin.</summary>
    public List<double> Hops { get; } = [];

    /// <summary>Simulated milliseconds from publish to first delivery, for nodes other than the origin.</summary>
    public List<double> LatencyMs { get; } = [];

    /// <summary>Registers a message published at <paramref name="publishedAt"/> by <paramref name="origin"/>, expected at <paramref name="expected"/> nodes; returns its number.</summary>
    public int Register(int origin, DateTimeOffset publishedAt, int expected)
    {
        _messages.Add(new Message(origin, publishedAt, new int[_nodes], expected));
        return _messages.Count - 1;
    }

    /// <summary>Records that <paramref name="node"/> received message <paramref name="message"/>.</summary>
    public void Record(int message, int node, int hops, DateTimeOffset now)
    {
        Message m = _messages[message];
        if (m.Counts[node]++ == 0 && node != m.Origin)
        {
            Hops.Add(hops);
            LatencyMs.Add((now - m.PublishedAt).TotalMilliseconds);
        }
    }

    /// <summary>How many times <paramref name="node"/> received <paramref name="message"/>.</summary>
    public int Count(int message, int node) => _messages[message].Counts[node];

    /// <summary>Deliveries counted once per node and message, over the expected ones (1 = everyone got everything).</summary>
    public double DeliveryRatio()
    {
        long expected = 0;
        foreach (Message m in _messages)
        {
            expected += m.Expected;
        }

        return expected == 0 ? 1 : (double)UniqueDeliveries() / expected;
    }

    /// <summary>Deliveries beyond the first, over all messages and nodes (0 when each arrived once).</summary>
    public long ExtraDeliveries()
    {
        long extra = 0;
        foreach (Message m in _messages)
        {
            foreach (int count in m.Counts)
            {
                extra += Math.Max(0, count - 1);
            }
        }

        return extra;
    }

    /// <summary>First deliveries over all messages and nodes.</summary>
    public long UniqueDeliveries()
    {
        long unique = 0;
        foreach (Message m in _messages)
        {
            foreach (int count in m.Counts)
            {
                unique += count > 0 ? 1 : 0;
            }
        }

        return unique;
    }

    /// <summary>The <paramref name="quantile"/> (0 to 1) of <paramref name="samples"/>, nearest rank; 0 when empty.</summary>
    public static double Percentile(List<double> samples, double quantile)
    {
        if (samples.Count == 0)
        {
            return 0;
        }

        var sorted = new List<double>(samples);
        sorted.Sort();
        return sorted[Math.Min(sorted.Count - 1, (int)(quantile * sorted.Count))];
    }

    private sealed record Message(int Origin, DateTimeOffset PublishedAt, int[] Counts, int Expected);
}
