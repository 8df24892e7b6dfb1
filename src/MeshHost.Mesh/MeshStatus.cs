using System.Net;
using MeshHost.Transport;

namespace MeshHost.Mesh;

/// <summary>A snapshot of a node for <c>meshhost status</c> and the control API.</summary>
public sealed record MeshStatus
{
    /// <summary>The node's id.</summary>
    public required NodeId Id { get; init; }

    /// <summary>The endpoint the node's socket is bound to.</summary>
    public required IPEndPoint ListenEndPoint { get; init; }

    /// <summary>The endpoints the node publishes in its peer record.</summary>
    public required IReadOnlyList<IPEndPoint> AdvertisedEndPoints { get; init; }

    /// <summary>How long the node has run.</summary>
    public required TimeSpan Uptime { get; init; }

    /// <summary>Sessions that completed the channel-table exchange.</summary>
    public required int ConnectedPeers { get; init; }

    /// <summary>Contacts in the DHT routing table.</summary>
    public required int RoutingTableSize { get; init; }

    /// <summary>DHT records this node stores for others and itself.</summary>
    public required int StoredRecords { get; init; }

    /// <summary>Local channels (of all kinds) that are open.</summary>
    public required int OpenChannels { get; init; }

    /// <summary>Topics this node subscribes to.</summary>
    public required IReadOnlyList<string> Topics { get; init; }

    /// <summary>Where LAN beacons go; null when LAN discovery is off.</summary>
    public required IPAddress? LanBeaconAddress { get; init; }

    /// <summary>The node's counters.</summary>
    public required MeshCounters Counters { get; init; }

    /// <summary>NAT class, reflexive endpoint, candidates, relays (docs/nat.md).</summary>
    public Nat.NatInfo Nat { get; init; } = Mesh.Nat.NatInfo.Unknown;
}

/// <summary>What a node has done and dropped, since it started.</summary>
public sealed record MeshCounters
{
    /// <summary>Channel and request messages sent.</summary>
    public long MessagesSent { get; init; }

    /// <summary>Channel and request messages delivered to a local channel.</summary>
    public long MessagesReceived { get; init; }

    /// <summary>Messages for a channel id the node has not opened (or closed), dropped.</summary>
    public long DroppedUnknownChannel { get; init; }

    /// <summary>Messages that did not decode (bad MessagePack, bad framing), dropped.</summary>
    public long DroppedMalformed { get; init; }

    /// <summary>Messages over a size limit, dropped.</summary>
    public long DroppedTooLarge { get; init; }

    /// <summary>Messages dropped because a channel's or topic's inbox was full.</summary>
    public long DroppedInboxFull { get; init; }

    /// <summary>DHT requests dropped because the asking peer exceeded its budget.</summary>
    public long DroppedRateLimited { get; init; }

    /// <summary>Exceptions thrown by channel, request and topic handlers (logged, never propagated).</summary>
    public long HandlerFaults { get; init; }

    /// <summary>Dials that ended with a ready session.</summary>
    public long DialsSucceeded { get; init; }

    /// <summary>Dials that failed.</summary>
    public long DialsFailed { get; init; }

    /// <summary>Sessions closed because they were idle and the node had more than its target.</summary>
    public long SessionsPruned { get; init; }

    /// <summary>Peers found by LAN discovery beacons.</summary>
    public long LanPeersDiscovered { get; init; }

    /// <summary>Topic messages published by this node.</summary>
    public long TopicPublished { get; init; }

    /// <summary>Topic messages delivered to local subscribers.</summary>
    public long TopicDelivered { get; init; }

    /// <summary>Topic frames dropped (invalid signature, too large, duplicate, rate limited, malformed).</summary>
    public long TopicDropped { get; init; }
}

/// <summary>What <see cref="MeshNode.FindPeerAsync"/> found.</summary>
/// <param name="Id">The id looked up.</param>
/// <param name="Found">Whether a signed peer record (or a live session) was found.</param>
/// <param name="Connected">Whether this node has a session with it.</param>
/// <param name="EndPoints">The endpoints from its peer record (or its session).</param>
/// <param name="Closest">The closest contacts the lookup ended with.</param>
/// <param name="Hops">Lookup rounds taken (0 when answered locally).</param>
public sealed record PeerLookup(NodeId Id, bool Found, bool Connected, IReadOnlyList<IPEndPoint> EndPoints, IReadOnlyList<Dht.DhtContact> Closest, int Hops)
{
    /// <summary>The relays its peer record names.</summary>
    public IReadOnlyList<Nat.RelayEndPoint> Relays { get; init; } = [];

    /// <summary>The NAT class its peer record states.</summary>
    public Nat.NatClass NatClass { get; init; }
}
