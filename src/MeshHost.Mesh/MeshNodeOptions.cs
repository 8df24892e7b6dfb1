using System.Net;
using MeshHost.Dht;
using MeshHost.Mesh.PubSub;
using MeshHost.Transport;
using MeshHost.Transport.Network;

namespace MeshHost.Mesh;

/// <summary>How a <see cref="MeshNode"/> starts. Every default is safe to run as is; see docs/mesh.md.</summary>
public sealed record MeshNodeOptions
{
    /// <summary>The first port a node tries when none is given: also the first LAN discovery port.</summary>
    public const int DefaultPort = 47_800;

    /// <summary>How many ports from <see cref="DefaultPort"/> up LAN beacons are sent to (and the port fallback tries).</summary>
    public const int DiscoveryPortCount = 8;

    /// <summary>Where the node keeps its identity key and routing table. Created if missing.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>
    /// Where to listen. Port 0 picks a free port. The default, <c>0.0.0.0:47800</c>, falls back
    /// through the LAN discovery port range and then to a free port when the port is taken
    /// (see <see cref="PortFallback"/>).
    /// </summary>
    public IPEndPoint ListenEndPoint { get; init; } = new(IPAddress.Any, DefaultPort);

    /// <summary>When the listen port is taken, try the next ports of the discovery range, then any free port.</summary>
    public bool PortFallback { get; init; } = true;

    /// <summary>Seed nodes to join through. Empty: the node waits to be found (LAN discovery, or others bootstrapping to it).</summary>
    public IReadOnlyList<IPEndPoint> Bootstrap { get; init; } = [];

    /// <summary>
    /// Where LAN discovery beacons go; null turns discovery off. The default is loopback, so a node
    /// finds the other nodes on its own host and sends nothing to the network until told to (for
    /// example <c>255.255.255.255</c> to find nodes across a LAN). See docs/mesh.md.
    /// </summary>
    public IPAddress? LanBeaconAddress { get; init; } = IPAddress.Loopback;

    /// <summary>How often a LAN beacon is sent.</summary>
    public TimeSpan LanBeaconInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many sessions the connection manager keeps up, dialling DHT contacts when short.</summary>
    public int TargetConnections { get; init; } = 8;

    /// <summary>The most sessions kept; beyond <see cref="TargetConnections"/>, idle ones are closed.</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>A session that carried no channel, topic or request traffic for this long may be pruned.</summary>
    public TimeSpan IdleConnectionTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the connection manager looks at its sessions.</summary>
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a dial may take, handshake and channel-table exchange included.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Addresses to publish in the peer record besides those peers observe (for a port-forwarded host, say).</summary>
    public IReadOnlyList<IPEndPoint> AdvertisedEndPoints { get; init; } = [];

    /// <summary>Relay serving and limits (docs/nat.md); null for the defaults.</summary>
    public Nat.RelayOptions? Relay { get; init; }

    /// <summary>
    /// The node's own interface addresses, offered as direct candidates; null enumerates the
    /// machine's interfaces when the socket is bound to a wildcard address (tests on in-memory
    /// networks set them explicitly).
    /// </summary>
    public IReadOnlyList<IPAddress>? LocalAddresses { get; init; }

    /// <summary>Transport parameters; null for the defaults.</summary>
    public TransportOptions? Transport { get; init; }

    /// <summary>DHT parameters; null for the defaults. Its data directory is set from <see cref="DataDirectory"/>.</summary>
    public DhtOptions? Dht { get; init; }

    /// <summary>Gossip parameters; null for the defaults.</summary>
    public GossipOptions? Gossip { get; init; }

    /// <summary>The clock; null for the system clock.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>
    /// The datagram socket to run on instead of binding a UDP socket (in-memory networks, loss
    /// injection in tests); <see cref="ListenEndPoint"/> and <see cref="PortFallback"/> are then ignored.
    /// </summary>
    public IDatagramSocket? Socket { get; init; }

    /// <summary>
    /// Makes the second socket this node dials other nodes back from (reachability checks,
    /// docs/nat.md); it must be at another port than the node's own. Null: a UDP socket on the
    /// listen address at a free port, or, when <see cref="Socket"/> is set, no dial-backs served.
    /// </summary>
    public Func<IDatagramSocket>? DialBackSocket { get; init; }
}
