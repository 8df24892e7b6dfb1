using MeshHost.Bench.Infrastructure;
using MeshHost.Bench.Reporting;
using MeshHost.Bench.Suites;
using MeshHost.MessagePack;

namespace MeshHost.Bench.Serializer;

/// <summary>
/// MeshHost MessagePack against source-generated System.Text.Json on a small chat message and a
/// 64 KiB blob: time and allocation per operation each way, and encoded size.
/// </summary>
internal sealed class SerializerSuite : ISuite
{
    private const string Baseline = "System.Text.Json";
    private const string TimeUnit = "ns/op";
    private const string AllocationUnit = "B/op";

    public string Name => "serializer";

    public string Description => "MeshHost MessagePack vs source-generated System.Text.Json (chat message, 64 KiB blob)";

    public Task<SuiteReport> RunAsync(SuiteRunOptions options, CancellationToken cancellationToken)
    {
        // The issue's acceptance targets apply to the small message; the blob is measured for information,
        // except that serializing into a reused buffer must never allocate, whatever the message.
        Case[] cases =
        [
            Case.For("small", new ChatMessageBenchmarks(), MetricTarget.MinRatio(2), MetricTarget.MinRatio(3)),
            Case.For("blob64k", new BlobMessageBenchmarks(), null, null),
        ];

        var errors = new List<string>();
        var toRun = new List<Case>(cases.Length);
        foreach (Case c in cases)
        {
            string? problem = c.Verify();
            if (problem is null)
            {
                toRun.Add(c);
            }
            else
            {
                errors.Add($"{c.Name}: not benchmarked: {problem}");
            }
        }

        var types = new Type[toRun.Count];
        TimeSpan warmUp = TimeSpan.FromSeconds(options.Quick ? 1.5 : 3);
        for (int i = 0; i < types.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            types[i] = toRun[i].BenchmarkType;
            toRun[i].WarmUp(warmUp);
        }

        cancellationToken.ThrowIfCancellationRequested();

        options.Progress.WriteLine($"Running {types.Length * 4} benchmarks ({(options.Quick ? "quick" : "full")} job); BenchmarkDotNet log under {BenchmarkDotNetRunner.ArtifactsPath}");
        BenchmarkResults results = types.Length > 0
            ? BenchmarkDotNetRunner.Run(types, options)
            : new BenchmarkResults([], [], null);
        errors.AddRange(results.Errors);

        var metrics = new List<Metric>();
        foreach (Case c in toRun)
        {
            AddMetrics(c, results, metrics, errors);
        }

        return Task.FromResult(new SuiteReport(Name, options.Quick ? "quick" : "full", metrics, errors));
    }

    private static void AddMetrics(Case c, BenchmarkResults results, List<Metric> metrics, List<string> errors)
    {
        bool haveSerialize = TryGetPair(c, results, "MessagePackSerialize", "JsonSerialize", errors, out BenchmarkMeasurement ours, out BenchmarkMeasurement theirs);
        if (haveSerialize)
        {
            metrics.Add(Metric.LowerIsBetter($"{c.Name}.serialize.time", ours.MeanNanoseconds, TimeUnit, Baseline, theirs.MeanNanoseconds, c.SerializeTarget));
        }

        bool haveDeserialize = TryGetPair(c, results, "MessagePackDeserialize", "JsonDeserialize", errors, out BenchmarkMeasurement oursBack, out BenchmarkMeasurement theirsBack);
        if (haveDeserialize)
        {
            metrics.Add(Metric.LowerIsBetter($"{c.Name}.deserialize.time", oursBack.MeanNanoseconds, TimeUnit, Baseline, theirsBack.MeanNanoseconds, c.DeserializeTarget));
        }

        if (haveSerialize)
        {
            AddAllocation($"{c.Name}.serialize.allocated", ours, theirs, MetricTarget.MaxValue(0, AllocationUnit), metrics, errors);
        }

        if (haveDeserialize)
        {
            AddAllocation($"{c.Name}.deserialize.allocated", oursBack, theirsBack, null, metrics, errors);
        }

        metrics.Add(Metric.LowerIsBetter($"{c.Name}.encoded.size", c.MessagePackSize, "bytes", Baseline, c.JsonSize));
    }

    private static void AddAllocation(string name, BenchmarkMeasurement ours, BenchmarkMeasurement theirs, MetricTarget? target, List<Metric> metrics, List<string> errors)
    {
        if (ours.AllocatedBytesPerOperation is long oursBytes && theirs.AllocatedBytesPerOperation is long theirsBytes)
        {
            metrics.Add(Metric.LowerIsBetter(name, oursBytes, AllocationUnit, Baseline, theirsBytes, target));
        }
        else
        {
            errors.Add($"{name}: the memory diagnoser reported no allocation figure");
        }
    }

    private static bool TryGetPair(
        Case c,
        BenchmarkResults results,
        string oursMethod,
        string theirsMethod,
        List<string> errors,
        out BenchmarkMeasurement ours,
        out BenchmarkMeasurement theirs)
    {
        theirs = default;
        if (!results.TryGet(c.BenchmarkType, oursMethod, out ours) || !results.TryGet(c.BenchmarkType, theirsMethod, out theirs))
        {
            // The runner has already reported why; say which metric is missing as a result.
            errors.Add($"{c.Name}: no result for {oursMethod} or {theirsMethod}, so its metrics are missing");
            return false;
        }

        return true;
    }

    /// <summary>One message type: its metric prefix, its benchmark class, its encoded sizes and its round-trip check.</summary>
    private sealed record Case(
        string Name,
        Type BenchmarkType,
        int MessagePackSize,
        int JsonSize,
        Func<string?> Verify,
        Action<TimeSpan> WarmUp,
        MetricTarget? SerializeTarget,
        MetricTarget? DeserializeTarget)
    {
        public static Case For<T>(string name, SerializerBenchmarks<T> sample, MetricTarget? serializeTarget, MetricTarget? deserializeTarget)
            where T : class, IMessagePackSerializable<T>
            => new(name, sample.GetType(), sample.MessagePackSize, sample.JsonSize, sample.Verify, sample.WarmUp, serializeTarget, deserializeTarget);
    }
}
