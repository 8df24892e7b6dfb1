using System.Diagnostics;
using MeshHost.Bench.Reporting;
using MeshHost.Bench.Suites;
using MeshHost.Mesh.PubSub.Simulation;

namespace MeshHost.Bench.Mesh;

/// <summary>
/// Gossip pub/sub on the simulator (virtual time, every frame through MessagePack bytes, signatures
/// checked): one topic with every node subscribed, messages from random publishers, at 50 and 200
/// nodes with 0% and 10% frame loss. The baseline, measured in the same run on the same topology,
/// latencies and loss, is naive flooding (every node forwards each new message to all its other
/// neighbours, and nothing repairs a loss).
/// </summary>
/// <remarks>
/// Amplification is payload frames sent (own, relayed and IWANT answers) per delivery to a node
/// other than the origin; latency is simulated time from publish to first delivery.
/// </remarks>
internal sealed class MeshSuite : ISuite
{
    private const string Topic = "bench";
    private const int PayloadBytes = 256;

    public string Name => "mesh";

    public string Description => "Gossip pub/sub simulation: delivery, hops, latency and amplification at 50/200 nodes, 0%/10% loss, vs naive flooding";

    public Task<SuiteReport> RunAsync(SuiteRunOptions options, CancellationToken cancellationToken)
    {
        var metrics = new List<Metric>();
        int messages = options.Quick ? 40 : 200;
        foreach (int n in (int[])[50, 200])
        {
            foreach (double loss in (double[])[0, 0.10])
            {
                cancellationToken.ThrowIfCancellationRequested();
                Run(n, loss, messages, options.Progress, metrics);
            }
        }

        return Task.FromResult(new SuiteReport(Name, options.Quick ? "quick" : "full", metrics, []));
    }

    private static void Run(int n, double loss, int messages, TextWriter progress, List<Metric> metrics)
    {
        var wall = Stopwatch.StartNew();
        int seed = n * 100 + (int)(loss * 100);
        using var gossip = new PubSubSimulation(n, seed);
        gossip.SubscribeAll(Topic);
        gossip.RunFor(TimeSpan.FromSeconds(5));
        gossip.Network.LossRate = loss;
        long framesBefore = gossip.Sum(s => s.PayloadFramesSent);
        long controlBefore = gossip.Sum(s => s.ControlFramesSent);
        var flood = new FloodSimulation(gossip.Topology, seed + 1) { Network = { LossRate = loss } };
        var random = new Random(seed);
        for (int i = 0; i < messages; i++)
        {
            int publisher = random.Next(n);
            gossip.Publish(publisher, Topic, PayloadBytes);
            flood.Publish(publisher, PayloadBytes);
            gossip.RunFor(TimeSpan.FromMilliseconds(50));
            flood.RunFor(TimeSpan.FromMilliseconds(50));
        }

        // Long enough for gossip to repair every loss (HistoryGossip heartbeats and then some).
        gossip.RunFor(TimeSpan.FromSeconds(10));
        flood.RunFor(TimeSpan.FromSeconds(10));

        Summary g = Summarize(gossip.Deliveries, gossip.Sum(s => s.PayloadFramesSent) - framesBefore, n);
        Summary f = Summarize(flood.Deliveries, flood.Network.FramesSent, n);
        double controlPerMessage = (double)(gossip.Sum(s => s.ControlFramesSent) - controlBefore) / messages;
        progress.WriteLine(
            $"{n} nodes (mean degree {2.0 * gossip.Topology.Links / n:0.0}), {loss:0%} loss: gossip delivery {g.Delivery:0.00}% hops {g.HopsP50}/{g.HopsP99} latency {g.LatencyP50:0}/{g.LatencyP99:0} ms amplification {g.Amplification:0.00} " +
            $"(control frames/message {controlPerMessage:0.0}, duplicates delivered {gossip.Deliveries.ExtraDeliveries()}); " +
            $"flooding delivery {f.Delivery:0.00}% hops {f.HopsP50}/{f.HopsP99} latency {f.LatencyP50:0}/{f.LatencyP99:0} ms amplification {f.Amplification:0.00}; {wall.Elapsed.TotalSeconds:0.0} s wall");

        string prefix = $"n{n}.loss{loss * 100:0}";
        const string Baseline = "flooding";
        metrics.Add(Metric.HigherIsBetter(prefix + ".delivery", g.Delivery, "%", Baseline, f.Delivery, MetricTarget.MinValue(99.9, "%")));
        metrics.Add(Metric.LowerIsBetter(prefix + ".hops.p50", g.HopsP50, "hops", Baseline, f.HopsP50));
        metrics.Add(Metric.LowerIsBetter(prefix + ".hops.p99", g.HopsP99, "hops", Baseline, f.HopsP99));
        metrics.Add(Metric.LowerIsBetter(prefix + ".latency.p50", g.LatencyP50, "ms", Baseline, f.LatencyP50));
        metrics.Add(Metric.LowerIsBetter(prefix + ".latency.p99", g.LatencyP99, "ms", Baseline, f.LatencyP99));
        metrics.Add(Metric.LowerIsBetter(prefix + ".amplification", g.Amplification, "frames/delivery", Baseline, f.Amplification, MetricTarget.MinRatio(1)));
        metrics.Add(Metric.Plain(prefix + ".control_frames_per_message", controlPerMessage, "frames"));
        metrics.Add(Metric.Plain(prefix + ".duplicate_deliveries", gossip.Deliveries.ExtraDeliveries(), "deliveries", MetricTarget.MaxValue(0, "deliveries")));
    }

    private static Summary Summarize(DeliveryTracker deliveries, long payloadFrames, int n)
    {
        // The origin's own delivery is not a network delivery.
        long remote = deliveries.UniqueDeliveries() - deliveries.Messages;
        return new Summary(
            100 * deliveries.DeliveryRatio(),
            DeliveryTracker.Percentile(deliveries.Hops, 0.5),
            DeliveryTracker.Percentile(deliveries.Hops, 0.99),
            DeliveryTracker.Percentile(deliveries.LatencyMs, 0.5),
            DeliveryTracker.Percentile(deliveries.LatencyMs, 0.99),
            remote > 0 ? (double)payloadFrames / remote : n);
    }

    private sealed record Summary(double Delivery, double HopsP50, double HopsP99, double LatencyP50, double LatencyP99, double Amplification);
}
