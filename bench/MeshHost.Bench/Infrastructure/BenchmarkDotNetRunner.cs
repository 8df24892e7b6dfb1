using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BenchmarkDotNet.Validators;
using MeshHost.Bench.Suites;
using Perfolizer.Horology;

namespace MeshHost.Bench.Infrastructure;

/// <summary>
/// Runs BenchmarkDotNet micro-benchmarks in this process and hands back the numbers, so a suite
/// can turn them into metrics. In-process means no child project is generated or built, which is
/// both faster and immune to the repository's warnings-as-errors build settings.
/// </summary>
internal static class BenchmarkDotNetRunner
{
    /// <summary>Where BenchmarkDotNet writes its logs; outside the repository so nothing needs ignoring.</summary>
    public static readonly string ArtifactsPath = Path.Combine(Path.GetTempPath(), "MeshHost.Bench", "BenchmarkDotNet.Artifacts");

    /// <summary>Runs every [Benchmark] method of <paramref name="benchmarkTypes"/> and collects mean time and allocation per operation.</summary>
    public static BenchmarkResults Run(Type[] benchmarkTypes, SuiteRunOptions options)
    {
        Summary[] summaries = BenchmarkRunner.Run(benchmarkTypes, CreateConfig(options));

        var measurements = new Dictionary<(Type, string), BenchmarkMeasurement>();
        var errors = new List<string>();
        string? logFile = null;
        foreach (Summary summary in summaries)
        {
            logFile ??= summary.LogFilePath;
            foreach (ValidationError error in summary.ValidationErrors)
            {
                // Non-critical ones are advice ("no exporters defined"), not failures.
                if (error.IsCritical)
                {
                    errors.Add($"BenchmarkDotNet validation: {error.Message}");
                }
            }

            foreach (BenchmarkReport report in summary.Reports)
            {
                Type type = report.BenchmarkCase.Descriptor.Type;
                string method = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
                if (!report.Success || report.ResultStatistics is null)
                {
                    errors.Add($"{type.Name}.{method} failed to run (log: {summary.LogFilePath})");
                    continue;
                }

                measurements[(type, method)] = new BenchmarkMeasurement(
                    report.ResultStatistics.Mean,
                    report.ResultStatistics.StandardError,
                    report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase));
            }
        }

        return new BenchmarkResults(measurements, errors, logFile);
    }

    private static ManualConfig CreateConfig(SuiteRunOptions options)
    {
        Job job = options.Quick ? QuickJob() : FullJob();

        // logOutput keeps the engine's per-iteration lines in the log file (ProgressLogger hides them from the console).
        ManualConfig config = ManualConfig.CreateEmpty()
            .AddJob(job.WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true)))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            // BenchmarkDotNet's own summary table, kept beside the log for anyone who wants its columns.
            .AddExporter(MarkdownExporter.GitHub)
            .AddValidator([.. DefaultConfig.Instance.GetValidators()])
            .AddLogger(options.Verbose ? ConsoleLogger.Default : new ProgressLogger(options.Progress))
            .WithArtifactsPath(ArtifactsPath)
            .WithOptions(ConfigOptions.JoinSummary);

#if DEBUG
        // A Debug build would be refused by the optimizations validator; let it run (to debug the
        // harness); Program puts a warning above the table.
        config = config.WithOptions(ConfigOptions.DisableOptimizationsValidator);
#endif
        return config;
    }

    // Fixed rather than BenchmarkDotNet's adaptive default (which takes over a minute per benchmark
    // here): thirty quarter-second iterations give a standard error of a few percent even on a
    // noisy two-core VM, and the whole serializer suite finishes in about 95 seconds.
    private static Job FullJob() => Job.Default
        .WithId("Full")
        .WithLaunchCount(1)
        .WithWarmupCount(6)
        .WithIterationCount(30)
        .WithIterationTime(TimeInterval.FromMilliseconds(250));

    // Two warmups and six short iterations: enough to rank implementations that differ by 2x or
    // more, and it keeps a suite of a dozen benchmarks inside a minute on two cores. It relies on
    // the suite warming the code up first (tiered compilation needs longer than this job's pilot).
    private static Job QuickJob() => Job.Default
        .WithId("Quick")
        .WithLaunchCount(1)
        .WithWarmupCount(2)
        .WithIterationCount(6)
        .WithIterationTime(TimeInterval.FromMilliseconds(150));
}
