using System.Diagnostics;
using System.Globalization;

namespace MeshHost.Bench.Reporting;

/// <summary>
/// Measures how much CPU other processes (and the hypervisor, as steal time) took while a suite
/// ran. Benchmarks measure wall-clock time, so on a shared machine a busy neighbour makes us look
/// slower, and makes two measurements taken a minute apart incomparable; the report says so
/// instead of presenting such numbers as if they were clean. Linux only (reads <c>/proc/stat</c>).
/// </summary>
internal sealed class CpuLoadProbe
{
    // Above this share of the machine taken by others, the numbers are flagged as unreliable.
    private const double NoisyThreshold = 0.10;

    private readonly CpuTimes? _start;
    private readonly TimeSpan _startOwnCpu;

    private CpuLoadProbe(CpuTimes? start, TimeSpan startOwnCpu)
    {
        _start = start;
        _startOwnCpu = startOwnCpu;
    }

    /// <summary>Takes the first sample.</summary>
    public static CpuLoadProbe Start()
    {
        using Process self = Process.GetCurrentProcess();
        return new CpuLoadProbe(CpuTimes.Read(), self.TotalProcessorTime);
    }

    /// <summary>
    /// One line describing what others used since <see cref="Start"/>, prefixed with a warning when
    /// it is enough to distort the numbers; null where <c>/proc/stat</c> is not available.
    /// </summary>
    public string? Describe()
    {
        CpuTimes? end = CpuTimes.Read();
        if (_start is not CpuTimes start || end is not CpuTimes finish)
        {
            return null;
        }

        using Process self = Process.GetCurrentProcess();
        double ownTicks = (self.TotalProcessorTime - _startOwnCpu).TotalSeconds * CpuTimes.TicksPerSecond;
        double total = finish.Total - start.Total;
        if (total <= 0)
        {
            return null;
        }

        double others = Math.Max(0, finish.Busy - start.Busy - ownTicks) / total;
        double steal = (finish.Steal - start.Steal) / total;
        string figures = string.Create(
            CultureInfo.InvariantCulture,
            $"other processes used {others * 100:0}% of the machine's {Environment.ProcessorCount} CPUs during the run (hypervisor steal {steal * 100:0}%)");
        return others > NoisyThreshold
            ? $"WARNING: {figures}; timings are inflated and ratios unreliable. Rerun on a quiet machine."
            : $"Load: {figures}.";
    }

    /// <summary>The aggregate line of <c>/proc/stat</c>, in clock ticks.</summary>
    private readonly record struct CpuTimes(double Busy, double Total, double Steal)
    {
        // USER_HZ: 100 on every Linux architecture .NET runs on.
        public const double TicksPerSecond = 100;

        public static CpuTimes? Read()
        {
            try
            {
                using var reader = new StreamReader("/proc/stat");
                string? line = reader.ReadLine();
                if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
                {
                    return null;
                }

                // cpu user nice system idle iowait irq softirq steal [guest guest_nice, already in user]
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 9)
                {
                    return null;
                }

                double Field(int i) => double.Parse(fields[i], CultureInfo.InvariantCulture);
                double idle = Field(4) + Field(5);
                double busy = Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
                return new CpuTimes(busy, busy + idle, Field(8));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                return null;
            }
        }
    }
}
