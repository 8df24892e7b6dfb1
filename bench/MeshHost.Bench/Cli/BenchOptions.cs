using MeshHost.Bench.Suites;

namespace MeshHost.Bench.Cli;

/// <summary>A parsed command line.</summary>
/// <param name="Suite">The suite to run.</param>
/// <param name="Quick">Run the short job.</param>
/// <param name="Verbose">Show BenchmarkDotNet's own output.</param>
/// <param name="JsonPath">Where to write the JSON report, or null for none.</param>
internal sealed record BenchOptions(ISuite Suite, bool Quick, bool Verbose, string? JsonPath);
