using System.Globalization;
using System.Text;

namespace MeshHost.Bench.Reporting;

/// <summary>Prints a <see cref="SuiteReport"/> as a plain-text table.</summary>
internal static class ReportTable
{
    private static readonly string[] Headings = ["Metric", "Unit", "MeshHost", "Baseline", "Baseline is", "Ratio", "Target", "Result"];

    // Numeric columns are right-aligned.
    private static readonly bool[] RightAligned = [false, false, true, true, false, true, false, false];

    /// <summary>Writes the heading (with notes on how trustworthy the run was), the table, then one line per missed target or error, and a verdict.</summary>
    public static void Write(TextWriter output, SuiteReport report, MachineInfo machine, IReadOnlyList<string> notes)
    {
        output.WriteLine();
        output.WriteLine($"{report.Suite} suite ({report.Mode}) on {machine.Cpu}, {machine.Cores} cores, {machine.Os}, {machine.Dotnet}");
        foreach (string note in notes)
        {
            output.WriteLine(note);
        }

        output.WriteLine("Ratio = baseline / MeshHost for times, allocations and sizes (MeshHost / baseline for rates): > 1 means MeshHost is better.");
        output.WriteLine();

        var rows = new List<string[]>(report.Metrics.Count + 1) { Headings };
        foreach (Metric metric in report.Metrics)
        {
            rows.Add(
            [
                metric.Name,
                metric.Unit,
                FormatValue(metric.Value),
                metric.BaselineValue is double baseline ? FormatValue(baseline) : "",
                metric.Baseline ?? "",
                FormatRatio(metric),
                metric.Target?.Description ?? "",
                metric.Passed switch { true => "PASS", false => "FAIL", null => "" },
            ]);
        }

        var widths = new int[Headings.Length];
        foreach (string[] row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var line = new StringBuilder();
        for (int r = 0; r < rows.Count; r++)
        {
            line.Clear();
            for (int i = 0; i < widths.Length; i++)
            {
                string cell = rows[r][i];
                line.Append(RightAligned[i] && r > 0 ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]));
                line.Append("  ");
            }

            output.WriteLine(line.ToString().TrimEnd());
            if (r == 0)
            {
                output.WriteLine(new string('-', line.Length - 2));
            }
        }

        output.WriteLine();
        int missed = 0;
        foreach (Metric metric in report.Metrics)
        {
            if (metric.Passed == false)
            {
                missed++;
                string ratio = metric.Ratio is double r ? string.Create(CultureInfo.InvariantCulture, $" (ratio {r:0.00}x)") : "";
                output.WriteLine($"FAIL  {metric.Name} = {FormatValue(metric.Value)} {metric.Unit}{ratio}; target {metric.Target!.Description}");
            }
        }

        foreach (string error in report.Errors)
        {
            output.WriteLine($"ERROR {error}");
        }

        output.WriteLine(report.Succeeded
            ? "All targets met."
            : $"{missed} target(s) missed, {report.Errors.Count} error(s).");
    }

    private static string FormatValue(double value)
        => value.ToString(value == Math.Floor(value) || Math.Abs(value) >= 10_000 ? "#,0" : "#,0.0", CultureInfo.InvariantCulture);

    private static string FormatRatio(Metric metric)
    {
        if (metric.Ratio is double ratio)
        {
            return ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x";
        }

        // No ratio because one side is zero: say which way that cuts rather than leaving a blank.
        return metric.Baseline is null ? ""
            : metric.Value == 0 && metric.BaselineValue > 0 ? "inf"
            : metric.Value == 0 && metric.BaselineValue == 0 ? "equal"
            : "-";
    }
}
