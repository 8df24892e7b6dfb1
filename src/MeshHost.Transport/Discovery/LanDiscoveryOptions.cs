using System.Net;

namespace MeshHost.Transport.Discovery;

/// <summary>
/// Where LAN discovery beacons go. A node has one socket, so beacons cannot go to a port every
/// node listens on; instead nodes bind a port in a small well-known range and beacons go to every
/// port of that range at <see cref="BeaconAddress"/>. Nothing is sent unless discovery is enabled.
/// </summary>
public sealed record LanDiscoveryOptions
{
    /// <summary>The first port of the range nodes bind in and beacons go to (default 47800).</summary>
    public int FirstPort { get; init; } = 47_800;

    /// <summary>How many ports the range holds (default 8): at most that many nodes per host are discoverable.</summary>
    public int PortCount { get; init; } = 8;

    /// <summary>
    /// The address beacons are sent to, which also picks the interface they leave by: a subnet's
    /// directed broadcast (say 192.168.1.255) goes out of the interface on that subnet, 127.0.0.1
    /// never leaves this machine. No default: the caller chooses, so that a test or a locked-down
    /// machine never broadcasts by accident.
    /// </summary>
    public required IPAddress BeaconAddress { get; init; }

    /// <summary>Time between beacons (default 5 s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many distinct peers are remembered (and reported once each) before the oldest are forgotten (default 256).</summary>
    public int MaxRememberedPeers { get; init; } = 256;

    internal void Validate()
    {
        if (FirstPort is < 1 or > 65_535 || PortCount < 1 || FirstPort + PortCount - 1 > 65_535)
        {
            throw new ArgumentOutOfRangeException(nameof(FirstPort), FirstPort, "The port range must lie within 1..65535.");
        }

        if (Interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Interval), Interval, "Must be positive.");
        }
    }
}
