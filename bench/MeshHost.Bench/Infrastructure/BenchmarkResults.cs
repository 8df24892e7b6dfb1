using System.Diagnostics.CodeAnalysis;

namespace MeshHost.Bench.Infrastructure;

/// <summary>The measurements of one BenchmarkDotNet run, looked up by benchmark class and method.</summary>
internal sealed class BenchmarkResults
{
    private readonly Dictionary<(Type Type, string Method), BenchmarkMeasurement> _measurements;

    public BenchmarkResults(Dictionary<(Type Type, string Method), BenchmarkMeasurement> measurements, IReadOnlyList<string> errors, string? logFile)
    {
        _measurements = measurements;
        Errors = errors;
        LogFile = logFile;
    }

    /// <summary>Validation errors and failed benchmarks, already phrased for the report.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>BenchmarkDotNet's full log of the run.</summary>
    public string? LogFile { get; }

    /// <summary>Finds the measurement of <paramref name="method"/> on <paramref name="type"/>.</summary>
    public bool TryGet(Type type, string method, [MaybeNullWhen(false)] out BenchmarkMeasurement measurement)
        => _measurements.TryGetValue((type, method), out measurement);
}
