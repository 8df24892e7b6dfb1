using System.Net;
using MeshHost.Control;
using MeshHost.Mesh;
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
    };

    public IReadOnlyList<ConnectedPeer> GetPeers() =>
        [new ConnectedPeer(NodeIds.ToPeerId(PeerId), "127.0.0.1:47802", TimeSpan.FromMilliseconds(1.5), TimeSpan.FromSeconds(30), Outbound: true)];

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

    public Task ConnectAsync(NodeId id, CancellationToken cancellationToken)
    {
        if (ConnectFailure is not null)
        {
            return Task.FromException(ConnectFailure);
        }

        Connected.Add(id);
        return Task.CompletedTask;
    }
}
