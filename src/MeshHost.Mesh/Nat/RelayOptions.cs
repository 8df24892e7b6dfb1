namespace MeshHost.Mesh.Nat;

/// <summary>When a node relays for others.</summary>
public enum RelayServeMode
{
    /// <summary>Serve while this node is publicly reachable (the default).</summary>
    Auto = 0,

    /// <summary>Always serve.</summary>
    On = 1,

    /// <summary>Never serve.</summary>
    Off = 2,
}

/// <summary>Relay settings (docs/nat.md, docs/host.md <c>Mesh:Relay:*</c>).</summary>
public sealed record RelayOptions
{
    /// <summary>When to relay for others.</summary>
    public RelayServeMode Serve { get; init; } = RelayServeMode.Auto;

    /// <summary>The most circuits relayed at once; more are refused.</summary>
    public int MaxCircuits { get; init; } = 64;

    /// <summary>Each circuit's bandwidth in each direction (token bucket, one second of burst); beyond it datagrams are dropped and counted.</summary>
    public long MaxBytesPerSecondPerCircuit { get; init; } = 1024 * 1024;

    /// <summary>How long a circuit lives; then it is closed (the pair re-opens one if it still needs it).</summary>
    public TimeSpan MaxCircuitDuration { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// All circuits together, bytes per second forwarded (token bucket, one second of burst):
    /// what a node offers others of its uplink, whatever the number of circuits.
    /// </summary>
    public long MaxBytesPerSecond { get; init; } = 32L * 1024 * 1024;

    /// <summary>The most NATed nodes this node holds a relay reservation for.</summary>
    public int MaxReservations { get; init; } = 128;

    /// <summary>The most relays a NATed node reserves and advertises.</summary>
    public int RelaysToUse { get; init; } = 2;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxCircuits);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytesPerSecondPerCircuit, 2048);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxCircuitDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytesPerSecond, 2048);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxReservations);
        ArgumentOutOfRangeException.ThrowIfNegative(RelaysToUse);
    }
}
