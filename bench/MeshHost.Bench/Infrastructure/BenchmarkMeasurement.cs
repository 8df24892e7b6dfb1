namespace MeshHost.Bench.Infrastructure;

/// <summary>What BenchmarkDotNet measured for one benchmark method.</summary>
/// <param name="MeanNanoseconds">Mean time per operation.</param>
/// <param name="StandardErrorNanoseconds">Standard error of that mean.</param>
/// <param name="AllocatedBytesPerOperation">Managed bytes allocated per operation on the benchmark thread; null if the memory diagnoser gave nothing.</param>
internal readonly record struct BenchmarkMeasurement(double MeanNanoseconds, double StandardErrorNanoseconds, long? AllocatedBytesPerOperation);
