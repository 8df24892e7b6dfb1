namespace MeshHost.Bench.Reporting;

/// <summary>
/// One number a suite measured, optionally beside the same measurement of a baseline implementation.
/// <see cref="Ratio"/> is always oriented so that a value above 1 means MeshHost is better.
/// </summary>
/// <param name="Name">Dotted, stable identifier (<c>small.serialize.time</c>); dashboards key on it.</param>
/// <param name="Value">MeshHost's measurement.</param>
/// <param name="Unit">Unit of <paramref name="Value"/> and <paramref name="BaselineValue"/> (<c>ns/op</c>, <c>B/op</c>, <c>bytes</c>).</param>
/// <param name="Baseline">What MeshHost is compared with, or null for a plain measurement.</param>
/// <param name="BaselineValue">The baseline's measurement in the same unit.</param>
/// <param name="Ratio">Better-is-above-1 ratio; null without a baseline or when it is undefined (a zero on either side).</param>
/// <param name="Target">The goal this metric is checked against, if any.</param>
internal sealed record Metric(
    string Name,
    double Value,
    string Unit,
    string? Baseline,
    double? BaselineValue,
    double? Ratio,
    MetricTarget? Target)
{
    /// <summary>A measurement where lower is better (time, allocation, size): ratio = baseline / ours.</summary>
    public static Metric LowerIsBetter(string name, double value, string unit, string baseline, double baselineValue, MetricTarget? target = null)
    {
        double? ratio = value > 0 && baselineValue > 0 ? baselineValue / value : null;
        return new Metric(name, value, unit, baseline, baselineValue, ratio, target);
    }

    /// <summary>A measurement where higher is better (throughput): ratio = ours / baseline.</summary>
    public static Metric HigherIsBetter(string name, double value, string unit, string baseline, double baselineValue, MetricTarget? target = null)
    {
        // A rate of zero is a ratio of zero (a total failure), never "no ratio".
        double? ratio = baselineValue > 0 ? value / baselineValue : null;
        return new Metric(name, value, unit, baseline, baselineValue, ratio, target);
    }

    /// <summary>A measurement with no baseline.</summary>
    public static Metric Plain(string name, double value, string unit, MetricTarget? target = null)
        => new(name, value, unit, null, null, null, target);

    /// <summary>Whether the metric meets its target; null when it has none.</summary>
    public bool? Passed => Target?.IsMetBy(this);
}
