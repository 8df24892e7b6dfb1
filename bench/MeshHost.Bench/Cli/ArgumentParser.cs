using MeshHost.Bench.Suites;

namespace MeshHost.Bench.Cli;

/// <summary>Parses <c>SUITE [--quick] [--json FILE] [--verbose]</c>. Small enough not to need a parsing library.</summary>
internal static class ArgumentParser
{
    /// <summary>Exit code for a usage error.</summary>
    public const int UsageExitCode = 2;

    /// <summary>Parses <paramref name="args"/>; on failure <paramref name="error"/> says why and the result is null.</summary>
    public static BenchOptions? Parse(string[] args, out string? error, out bool helpRequested)
    {
        error = null;
        helpRequested = false;
        ISuite? suite = null;
        bool quick = false;
        bool verbose = false;
        string? jsonPath = null;

        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "-h" or "--help" or "-?":
                    helpRequested = true;
                    return null;
                case "--quick":
                    quick = true;
                    break;
                case "--verbose":
                    verbose = true;
                    break;
                case "--json":
                    if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        error = "--json needs a file name.";
                        return null;
                    }

                    if (jsonPath is not null)
                    {
                        error = "--json given twice.";
                        return null;
                    }

                    jsonPath = args[++i];
                    break;
                default:
                    if (arg.StartsWith('-'))
                    {
                        error = $"Unknown option '{arg}'.";
                        return null;
                    }

                    if (suite is not null)
                    {
                        error = $"Only one suite per run ('{suite.Name}' and '{arg}' given).";
                        return null;
                    }

                    if (!SuiteRegistry.TryFind(arg, out suite))
                    {
                        error = $"Unknown suite '{arg}'.";
                        return null;
                    }

                    break;
            }
        }

        if (suite is null)
        {
            error = "No suite given.";
            return null;
        }

        return new BenchOptions(suite, quick, verbose, jsonPath);
    }

    /// <summary>Writes the usage text, listing every registered suite.</summary>
    public static void WriteUsage(TextWriter output)
    {
        output.WriteLine("Usage: dotnet run -c Release --project bench/MeshHost.Bench -- SUITE [--quick] [--json FILE] [--verbose]");
        output.WriteLine();
        output.WriteLine("Suites:");
        int width = 0;
        foreach (ISuite suite in SuiteRegistry.All)
        {
            width = Math.Max(width, suite.Name.Length);
        }

        foreach (ISuite suite in SuiteRegistry.All)
        {
            output.WriteLine($"  {suite.Name.PadRight(width)}  {suite.Description}");
        }

        output.WriteLine();
        output.WriteLine("Options:");
        output.WriteLine("  --quick      short run (under a minute per suite); numbers are rougher");
        output.WriteLine("  --json FILE  also write the metrics as JSON (schema in bench/README.md)");
        output.WriteLine("  --verbose    show BenchmarkDotNet's own output");
        output.WriteLine();
        output.WriteLine("Exit code: 0 all targets met, 1 a target missed or a measurement failed, 2 usage error.");
    }
}
