using System.Diagnostics;
using MeshHost.Bench.Reporting;
using MeshHost.Bench.Suites;
using MeshHost.Dht;
using MeshHost.Dht.Records;
using MeshHost.Dht.Simulation;
using MeshHost.Transport;

namespace MeshHost.Bench.Dht;

/// <summary>
/// Whole Kademlia networks in one process on the simulator (virtual time, every message through
/// MessagePack bytes): lookup success, hops and RPCs per lookup with no failures, with 25% of nodes
/// silently failed and with 10% message loss, and provider records found after 25% churn with
/// republish. Hops are reported beside log2(n), the paper's O(log n) bound for b = 1.
/// </summary>
/// <remarks>
/// Networks are built only through the DHT's own code: each node bootstraps through three seeds
/// and looks up its own id (no warm start from global knowledge). Global knowledge is used only to
/// judge results (the true closest live node).
/// </remarks>
internal sealed class DhtSuite : ISuite
{
    public string Name => "dht";

    public string Description => "Kademlia simulation: lookup success, hops and RPCs at 1k/10k nodes, with failures, loss and churn";

    public Task<SuiteReport> RunAsync(SuiteRunOptions options, CancellationToken cancellationToken)
    {
        var metrics = new List<Metric>();
        var errors = new List<string>();
        int[] sizes = options.Quick ? [1_000] : [1_000, 10_000];
        foreach (int n in sizes)
        {
            try
            {
                RunNetwork(n, options.Quick ? 300 : 2_000, options.Quick ? 20 : 50, options.Progress, metrics);
            }
            catch (TimeoutException e)
            {
                errors.Add($"{n} nodes: {e.Message}");
            }
        }

        return Task.FromResult(new SuiteReport(Name, options.Quick ? "quick" : "full", metrics, errors));
    }

    private static void RunNetwork(int n, int lookups, int providers, TextWriter progress, List<Metric> metrics)
    {
        var dhtOptions = new DhtOptions
        {
            RequestTimeout = TimeSpan.FromSeconds(1),
            RepublishInterval = TimeSpan.FromMinutes(10),
            RefreshInterval = TimeSpan.FromHours(24),
        };
        var sim = new DhtSimulation(seed: n, dhtOptions);
        var wall = Stopwatch.StartNew();
        sim.Grow(n, concurrency: 100, refreshBuckets: true);
        progress.WriteLine($"{n} nodes joined in {wall.Elapsed.TotalSeconds:0.0} s wall, {sim.Network.MessagesSent:N0} messages");
        metrics.Add(Metric.Plain($"n{n}.join.wall", wall.Elapsed.TotalSeconds, "s"));

        var random = new Random(n + 1);
        Measure(sim, n, "fail0", lookups, random, 99.9, progress, metrics);

        sim.Network.LossRate = 0.10;
        Measure(sim, n, "loss10", lookups, random, null, progress, metrics);
        sim.Network.LossRate = 0;

        // Publishers join before the churn and keep republishing through it.
        var publishers = new List<(DhtNode Node, NodeId Key)>();
        for (int i = 0; i < providers; i++)
        {
            DhtNode node = sim.AddNode(NodeIdentity.Generate());
            sim.Join(node);
            node.Start();
            publishers.Add((node, NodeId.Random(random)));
        }

        var publishing = new List<Task<int>>();
        foreach ((DhtNode node, NodeId key) in publishers)
        {
            publishing.Add(node.ProvideAsync(key, new PeerInfo()));
        }

        sim.RunAll(publishing, TimeSpan.FromMinutes(5));

        var publisherSet = new HashSet<DhtNode>(publishers.Select(p => p.Node));
        foreach (DhtNode node in sim.Nodes.ToList())
        {
            if (!publisherSet.Contains(node) && random.NextDouble() < 0.25)
            {
                sim.Fail(node);
            }
        }

        Measure(sim, n, "fail25", lookups, random, 99, progress, metrics);

        sim.Clock.RunFor(dhtOptions.RepublishInterval + TimeSpan.FromMinutes(1));
        List<DhtNode> alive = sim.Nodes.Where(x => !sim.IsFailed(x)).ToList();
        int found = 0;
        int attempts = 0;
        var hops = new List<double>();
        foreach ((DhtNode _, NodeId key) in publishers)
        {
            for (int j = 0; j < 5; j++)
            {
                DhtNode from = alive[random.Next(alive.Count)];
                LookupResult result = sim.Run(from.FindProvidersAsync(key), TimeSpan.FromMinutes(2));
                attempts++;
                if (result.Records.Count > 0)
                {
                    found++;
                    hops.Add(result.Hops);
                }
            }
        }

        double rate = 100.0 * found / attempts;
        progress.WriteLine($"{n} nodes, providers after 25% churn + republish: {rate:0.00}% of {attempts}");
        metrics.Add(Metric.Plain($"n{n}.providers.churn25.success", rate, "%", MetricTarget.MinValue(99, "%")));
        metrics.Add(Metric.Plain($"n{n}.providers.churn25.hops.median", Percentile(hops, 0.5), "hops"));
    }

    private static void Measure(DhtSimulation sim, int n, string scenario, int lookups, Random random, double? target, TextWriter progress, List<Metric> metrics)
    {
        List<DhtNode> alive = sim.Nodes.Where(x => !sim.IsFailed(x)).ToList();
        var hops = new List<double>();
        var rpcs = new List<double>();
        int found = 0;
        for (int i = 0; i < lookups; i++)
        {
            DhtNode from = alive[random.Next(alive.Count)];
            NodeId target2 = NodeId.Random(random);
            LookupResult result = sim.Run(from.FindNodeAsync(target2), TimeSpan.FromMinutes(2));
            if (result.Closest.Count > 0 && result.Closest[0].Id == sim.TrueClosest(target2, from).Id)
            {
                found++;
            }

            hops.Add(result.Hops);
            rpcs.Add(result.Rpcs);
        }

        double rate = 100.0 * found / lookups;
        double log2n = Math.Log2(n);
        progress.WriteLine($"{n} nodes, {scenario}: {rate:0.00}% found, hops p50 {Percentile(hops, 0.5)} p99 {Percentile(hops, 0.99)}, RPCs p50 {Percentile(rpcs, 0.5)} p99 {Percentile(rpcs, 0.99)}");
        string prefix = $"n{n}.{scenario}";
        metrics.Add(Metric.Plain(prefix + ".success", rate, "%", target is double t ? MetricTarget.MinValue(t, "%") : null));
        metrics.Add(Metric.LowerIsBetter(prefix + ".hops.median", Percentile(hops, 0.5), "hops", "log2(n)", log2n, scenario == "loss10" ? null : MetricTarget.MaxValue(4, "hops")));
        metrics.Add(Metric.LowerIsBetter(prefix + ".hops.p99", Percentile(hops, 0.99), "hops", "log2(n)", log2n));
        metrics.Add(Metric.Plain(prefix + ".rpcs.median", Percentile(rpcs, 0.5), "rpcs"));
        metrics.Add(Metric.Plain(prefix + ".rpcs.p99", Percentile(rpcs, 0.99), "rpcs"));
    }

    private static double Percentile(List<double> samples, double quantile)
    {
        if (samples.Count == 0)
        {
            return 0;
        }

        var sorted = new List<double>(samples);
        sorted.Sort();
        return sorted[Math.Min(sorted.Count - 1, (int)(quantile * sorted.Count))];
    }
}
