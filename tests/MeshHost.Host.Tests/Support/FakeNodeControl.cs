using System.Net;
using MeshHost.Control;
using MeshHost.Mesh;
using MeshHost.Mesh.Nat;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Host.Tests.Support;

/// <summary>A node with scripted answers, so the control API is tested without sockets.</summary>
internal sealed class FakeNodeControl : INodeControl
{
    public static readonly NodeId LocalId = NodeId.Random(new Random(1));
    public static readonly NodeId PeerId = NodeId.Random(new Random(2));
    public static readonly NodeId UnknownId = NodeId.Random(new Random(3));

    public List<NodeId> Connected { get; } = [];

    public Exception? ConnectFailure { get; set; }

    public MeshStatus GetStatus() => new()
    {
        Id = LocalId,
        ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 47_801),
        AdvertisedEndPoints = [new IPEndPoint(IPAddress.Loopback, 47_801)],
        Uptime = TimeSpan.FromSeconds(90),
        ConnectedPeers = 1,
        RoutingTableSize = 4,
        StoredRecords = 2,
        OpenChannels = 0,
        Topics = ["chat"],
        LanBeaconAddress = IPAddress.Loopback,
        Counters = new MeshCounters { DialsSucceeded = 3 },
        Nat = new NatInfo
        {
            Class = NatClass.PortPreserving,
            ReflexiveEndPoint = IPEndPoint.Parse("203.0.113.5:47801"),
            PubliclyReachable = false,
            Candidates = [IPEndPoint.Parse("203.0.113.5:47801"), IPEndPoint.Parse("10.0.0.2:47801")],
            Relays = [new RelayEndPoint(PeerId, IPEndPoint.Parse("198.51.100.1:47800"))],
            RelayServing = false,
            ActiveCircuits = 0,
        },
    };

    public IReadOnlyList<PeerPath> GetPeers() =>
        [new PeerPath(PeerId, new IPEndPoint(IPAddress.Loopback, 47_802), TimeSpan.FromMilliseconds(1.5), TimeSpan.FromSeconds(30), Outbound: true, Relayed: false, Relay: null)];

    public Task<PeerLookup> FindPeerAsync(NodeId id, CancellationToken cancellationToken)
    {
        bool found = id == PeerId;
        return Task.FromResult(new PeerLookup(
            id,
            found,
            found,
            found ? [new IPEndPoint(IPAddress.Loopback, 47_802)] : [],
            [new Dht.DhtContact(PeerId, new IPEndPoint(IPAddress.Loopback, 47_802))],
            Hops: 2));
    }

    public Task<PeerPath?> ConnectAsync(NodeId id, CancellationToken cancellationToken)
    {
        if (ConnectFailure is not null)
        {
            return Task.FromException<PeerPath?>(ConnectFailure);
        }

        Connected.Add(id);
        return Task.FromResult<PeerPath?>(new PeerPath(id, new IPEndPoint(IPAddress.Loopback, 47_803), TimeSpan.FromMilliseconds(2), TimeSpan.Zero, Outbound: true, Relayed: true, Relay: UnknownId));
    }
}
