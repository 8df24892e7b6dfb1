namespace MeshHost.Transport.Tests.Attacks;

/// <summary>
/// Tests that compare <see cref="GC.GetTotalMemory(bool)"/> before and after run alone: the figure
/// is process-wide, and a test running alongside (a 16 MiB transfer, say) would be counted too.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurement
{
    public const string Name = "Memory measurement";
}
