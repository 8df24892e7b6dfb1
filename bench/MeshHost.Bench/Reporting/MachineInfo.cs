using System.Runtime.InteropServices;

namespace MeshHost.Bench.Reporting;

/// <summary>The machine a report was measured on, so numbers from different runs can be compared honestly.</summary>
/// <param name="Os">Operating system description.</param>
/// <param name="Cpu">CPU model name (from <c>/proc/cpuinfo</c> on Linux).</param>
/// <param name="Cores">Logical processors available to the process.</param>
/// <param name="Dotnet">The runtime that ran the benchmarks.</param>
internal sealed record MachineInfo(string Os, string Cpu, int Cores, string Dotnet)
{
    /// <summary>Describes the current machine.</summary>
    public static MachineInfo Current()
        => new(RuntimeInformation.OSDescription, ReadCpuModel(), Environment.ProcessorCount, RuntimeInformation.FrameworkDescription);

    private static string ReadCpuModel()
    {
        const string CpuInfoPath = "/proc/cpuinfo";
        try
        {
            if (File.Exists(CpuInfoPath))
            {
                foreach (string line in File.ReadLines(CpuInfoPath))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                    {
                        int colon = line.IndexOf(':', StringComparison.Ordinal);
                        if (colon >= 0)
                        {
                            return line[(colon + 1)..].Trim();
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Fall through: an unreadable cpuinfo only costs the report its CPU name.
        }

        return $"unknown ({RuntimeInformation.ProcessArchitecture})";
    }
}
