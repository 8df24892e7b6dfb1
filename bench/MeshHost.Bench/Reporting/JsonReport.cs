using System.Text.Json;
using System.Text.Json.Serialization;

namespace MeshHost.Bench.Reporting;

/// <summary>Writes a <see cref="SuiteReport"/> as the <c>--json</c> document described in bench/README.md.</summary>
internal static class JsonReport
{
    /// <summary>Writes the report to <paramref name="path"/>, creating its directory if needed.</summary>
    public static async Task WriteAsync(string path, SuiteReport report, MachineInfo machine, CancellationToken cancellationToken)
    {
        var metrics = new JsonMetric[report.Metrics.Count];
        for (int i = 0; i < metrics.Length; i++)
        {
            Metric m = report.Metrics[i];
            metrics[i] = new JsonMetric(m.Name, Round(m.Value), m.Unit, m.Baseline, m.BaselineValue is double b ? Round(b) : null, m.Ratio is double r ? Round(r) : null);
        }

        var document = new JsonReportDocument(report.Suite, machine, metrics);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await using FileStream stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, document, ReportJsonContext.Default.JsonReportDocument, cancellationToken).ConfigureAwait(false);
    }

    // Three decimals is finer than any benchmark's noise and keeps the file readable.
    private static double Round(double value) => Math.Round(value, 3, MidpointRounding.AwayFromZero);
}

/// <summary>The top-level <c>--json</c> document.</summary>
internal sealed record JsonReportDocument(string Suite, MachineInfo Machine, IReadOnlyList<JsonMetric> Metrics);

/// <summary>One metric in the <c>--json</c> document; every key is always present, null when not applicable.</summary>
internal sealed record JsonMetric(string Name, double Value, string Unit, string? Baseline, double? BaselineValue, double? Ratio);

/// <summary>Source-generated so the harness itself uses no reflection-based serialization.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(JsonReportDocument))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
