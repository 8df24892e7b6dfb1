using MeshHost.Mesh;

namespace MeshHost.Configuration;

/// <summary>
/// The <c>Mesh</c> configuration section as the user writes it (strings where the user types
/// addresses), turned into <see cref="MeshNodeOptions"/> by <see cref="MeshOptionsFactory"/>.
/// Keys, defaults and precedence are documented in docs/host.md.
/// </summary>
internal sealed class MeshSettings
{
    /// <summary>The configuration section this binds to.</summary>
    public const string SectionName = "Mesh";

    /// <summary>The value of <see cref="LanBeacon"/> that turns LAN discovery off.</summary>
    public const string Off = "off";

    /// <summary>Where the node keeps its identity, routing table and control files; null for the profile default.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>The UDP port; 0 for any free port.</summary>
    public int Port { get; set; } = MeshNodeOptions.DefaultPort;

    /// <summary>The address the UDP socket binds to.</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>When the port is taken, try the rest of the discovery range, then any free port.</summary>
    public bool PortFallback { get; set; } = true;

    /// <summary>Seed nodes as <c>HOST:PORT</c>; host names are resolved when the node starts.</summary>
    public List<string> Bootstrap { get; set; } = [];

    /// <summary>Where LAN discovery beacons go, or <c>off</c>. Loopback by default: see docs/host.md.</summary>
    public string LanBeacon { get; set; } = "127.0.0.1";

    /// <summary>How many sessions the connection manager keeps up.</summary>
    public int TargetConnections { get; set; } = 8;

    /// <summary>The most sessions kept.</summary>
    public int MaxConnections { get; set; } = 64;

    /// <summary>How often an otherwise silent session sends a keepalive (keeps NAT mappings open): seconds, or 15s / 1m / 00:00:15.</summary>
    public string KeepAliveInterval { get; set; } = "15s";

    /// <summary>Relay serving and limits (<c>Mesh:Relay:*</c>).</summary>
    public RelaySettings Relay { get; set; } = new();
}

/// <summary>The <c>Mesh:Relay</c> section (docs/host.md, docs/nat.md).</summary>
internal sealed class RelaySettings
{
    /// <summary><c>auto</c> (serve while publicly reachable), <c>on</c> or <c>off</c>.</summary>
    public string Serve { get; set; } = "auto";

    /// <summary>The most circuits relayed at once.</summary>
    public int MaxCircuits { get; set; } = 64;

    /// <summary>Each circuit's bandwidth per direction, bytes per second.</summary>
    public long MaxBytesPerSecondPerCircuit { get; set; } = 1024 * 1024;

    /// <summary>How long a circuit may live: seconds, or 30m / 1h / 01:00:00.</summary>
    public string MaxCircuitDuration { get; set; } = "1h";

    /// <summary>All circuits together, bytes per second forwarded.</summary>
    public long MaxBytesPerSecond { get; set; } = 32L * 1024 * 1024;
}
