namespace MeshHost.Plugins;

/// <summary>The host's limits for every plugin it runs: the fault policy and the lifecycle timeouts.</summary>
public sealed record PluginRuntimeOptions
{
    /// <summary>The default <see cref="MaxFaults"/>: 10.</summary>
    public const int DefaultMaxFaults = 10;

    /// <summary>The default <see cref="FaultWindow"/>: one minute.</summary>
    public static readonly TimeSpan DefaultFaultWindow = TimeSpan.FromMinutes(1);

    /// <summary>The default <see cref="StartTimeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default <see cref="StopTimeout"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many handler faults (exceptions from channel, request, topic, peer-event, timer and control
    /// API handlers) a plugin may have within <see cref="FaultWindow"/>; one more stops it as
    /// <see cref="PluginState.Faulted"/>. At least 0.
    /// </summary>
    public int MaxFaults { get; init; } = DefaultMaxFaults;

    /// <summary>The sliding window <see cref="MaxFaults"/> counts over; positive.</summary>
    public TimeSpan FaultWindow { get; init; } = DefaultFaultWindow;

    /// <summary>How long <see cref="Sdk.IMeshPlugin.StartAsync"/> may take before the plugin is faulted; positive.</summary>
    public TimeSpan StartTimeout { get; init; } = DefaultStartTimeout;

    /// <summary>How long <see cref="Sdk.IMeshPlugin.StopAsync"/> may take before the host releases the plugin's resources anyway; positive.</summary>
    public TimeSpan StopTimeout { get; init; } = DefaultStopTimeout;

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or zero where it must be positive.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxFaults, nameof(MaxFaults));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FaultWindow, TimeSpan.Zero, nameof(FaultWindow));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StartTimeout, TimeSpan.Zero, nameof(StartTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StopTimeout, TimeSpan.Zero, nameof(StopTimeout));
    }
}
