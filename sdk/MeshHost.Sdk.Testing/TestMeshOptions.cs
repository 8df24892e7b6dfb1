using MeshHost.Mesh;
using MeshHost.Plugins;
using Microsoft.Extensions.Logging;

namespace MeshHost.Sdk.Testing;

/// <summary>How a <see cref="TestMesh"/> is built. Every default suits a unit test; change what the test is about.</summary>
public sealed record TestMeshOptions
{
    /// <summary>
    /// Seeds the virtual network's random choices (loss, jitter), so a failing run can be repeated.
    /// Default 1. Thread scheduling is real, so a test should still assert conditions, not exact orders.
    /// </summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// How far the clock moves per pump step; between steps the kit yields a millisecond of real time
    /// so the continuations of what fired can run. Smaller is closer to real scheduling and slower.
    /// Default 10 ms; must be positive and at most 1 s.
    /// </summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Where nodes and plugins log (for example into the test's output); null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The plugin runtime's fault policy and timeouts, as the host would apply them.</summary>
    public PluginRuntimeOptions PluginRuntime { get; init; } = new();

    /// <summary>
    /// Adjusts each node's options after the kit set its own (clock, in-memory socket, data directory,
    /// bootstrap, LAN discovery off); return the options to use. For gossip or DHT parameters, say.
    /// Changing the socket, the clock or the data directory breaks the kit.
    /// </summary>
    public Func<MeshNodeOptions, MeshNodeOptions>? ConfigureNode { get; init; }

    /// <summary>How much virtual time the kit's own operations (start, load, stop, invoke) may take before they fail. Default 1 min.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMinutes(1);

    internal void Validate()
    {
        if (Step <= TimeSpan.Zero || Step > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(Step), Step, "The step must be positive and at most 1 s.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(OperationTimeout, TimeSpan.Zero, nameof(OperationTimeout));
        PluginRuntime.Validate();
    }
}
