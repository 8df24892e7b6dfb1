namespace MeshHost.Bench.Suites;

/// <summary>How a suite should run.</summary>
/// <param name="Quick">A short run for CI and smoke checks; each suite keeps it under a minute.</param>
/// <param name="Verbose">Show the measuring engine's own output (BenchmarkDotNet's log) on the console.</param>
/// <param name="Progress">Where a suite writes progress lines while it runs.</param>
internal sealed record SuiteRunOptions(bool Quick, bool Verbose, TextWriter Progress);
