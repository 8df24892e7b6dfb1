namespace MeshHost.Bench.Reporting;

/// <summary>What one suite run produced.</summary>
/// <param name="Suite">The suite's command-line name.</param>
/// <param name="Mode">The run mode, for the table heading (<c>quick</c> or <c>full</c>).</param>
/// <param name="Metrics">The measurements, in display order.</param>
/// <param name="Errors">Measurements that could not be taken (a failed benchmark, a broken round trip).</param>
internal sealed record SuiteReport(string Suite, string Mode, IReadOnlyList<Metric> Metrics, IReadOnlyList<string> Errors)
{
    /// <summary>Whether every metric with a target met it and nothing failed.</summary>
    public bool Succeeded
    {
        get
        {
            if (Errors.Count > 0)
            {
                return false;
            }

            foreach (Metric metric in Metrics)
            {
                if (metric.Passed == false)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
