using System.Globalization;

namespace MeshHost.Bench.Reporting;

/// <summary>A goal a metric is checked against (the acceptance numbers).</summary>
internal sealed class MetricTarget
{
    private readonly TargetKind _kind;
    private readonly double _threshold;

    private MetricTarget(TargetKind kind, double threshold, string description)
    {
        _kind = kind;
        _threshold = threshold;
        Description = description;
    }

    private enum TargetKind
    {
        MinRatio,
        MaxValue,
        MinValue,
    }

    /// <summary>Short text for the table's target column (<c>&gt;= 2x</c>).</summary>
    public string Description { get; }

    /// <summary>MeshHost must be at least <paramref name="ratio"/> times better than the baseline.</summary>
    public static MetricTarget MinRatio(double ratio)
        => new(TargetKind.MinRatio, ratio, string.Create(CultureInfo.InvariantCulture, $">= {ratio:0.##}x"));

    /// <summary>The value must not exceed <paramref name="max"/> (in the metric's unit).</summary>
    public static MetricTarget MaxValue(double max, string unit)
        => new(TargetKind.MaxValue, max, max == 0 ? $"0 {unit}" : string.Create(CultureInfo.InvariantCulture, $"<= {max:0.##} {unit}"));

    /// <summary>Checks <paramref name="metric"/>; a ratio target with no ratio (a zero measurement) counts as met only when ours is 0.</summary>
    public static MetricTarget MinValue(double min, string unit)
        => new(TargetKind.MinValue, min, string.Create(CultureInfo.InvariantCulture, $">= {min:#,0.##} {unit}"));

    public bool IsMetBy(Metric metric) => _kind switch
    {
        TargetKind.MinRatio => metric.Ratio is double ratio ? ratio >= _threshold : metric.Value == 0 && metric.BaselineValue > 0,
        TargetKind.MaxValue => metric.Value <= _threshold,
        TargetKind.MinValue => metric.Value >= _threshold,
        _ => false,
    };
}
