using System.Diagnostics;
using System.Globalization;
using MeshHost.Bench.Cli;
using MeshHost.Bench.Reporting;
using MeshHost.Bench.Suites;

namespace MeshHost.Bench;

/// <summary>Entry point: parse, run one suite, print the table, write the JSON, set the exit code.</summary>
internal static class Program
{
    private const int TargetsMissedExitCode = 1;

    public static async Task<int> Main(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        BenchOptions? options = ArgumentParser.Parse(args, out string? error, out bool helpRequested);
        if (helpRequested)
        {
            ArgumentParser.WriteUsage(Console.Out);
            return 0;
        }

        if (options is null)
        {
            Console.Error.WriteLine($"error: {error}");
            Console.Error.WriteLine();
            ArgumentParser.WriteUsage(Console.Error);
            return ArgumentParser.UsageExitCode;
        }

        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // First Ctrl+C asks the suite to stop between measurements; a second one kills the process.
            e.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        };

        MachineInfo machine = MachineInfo.Current();
        var stopwatch = Stopwatch.StartNew();
        CpuLoadProbe load = CpuLoadProbe.Start();
        SuiteReport report = await options.Suite
            .RunAsync(new SuiteRunOptions(options.Quick, options.Verbose, Console.Out), cancellation.Token)
            .ConfigureAwait(false);
        stopwatch.Stop();

        var notes = new List<string>(2);
#if DEBUG
        notes.Add("WARNING: Debug build; these numbers are meaningless. Use -c Release.");
#endif
        if (load.Describe() is string loadNote)
        {
            notes.Add(loadNote);
        }

        ReportTable.Write(Console.Out, report, machine, notes);
        Console.WriteLine($"Suite time: {stopwatch.Elapsed.TotalSeconds:0.0} s");
        if (options.JsonPath is not null)
        {
            await JsonReport.WriteAsync(options.JsonPath, report, machine, cancellation.Token).ConfigureAwait(false);
            Console.WriteLine($"JSON written to {Path.GetFullPath(options.JsonPath)}");
        }

        return report.Succeeded ? 0 : TargetsMissedExitCode;
    }
}
