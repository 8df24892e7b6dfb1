using System.Net;
using MeshHost.Transport;

namespace MeshHost.Mesh.Nat;

/// <summary>A relay a node uses: its id and the endpoint this node reaches it at.</summary>
public sealed record RelayEndPoint(NodeId Id, IPEndPoint EndPoint)
{
    /// <summary><c>&lt;id hex&gt;@ip:port</c>, as in status output.</summary>
    public override string ToString() => $"{Id}@{EndPoint}";
}

/// <summary>What a node knows about its connectivity (<c>meshhost status</c>, docs/nat.md).</summary>
public sealed record NatInfo
{
    /// <summary>Nothing learnt yet.</summary>
    public static NatInfo Unknown { get; } = new();

    /// <summary>The NAT class.</summary>
    public NatClass Class { get; init; }

    /// <summary>The endpoint peers see this node at through its NAT; null when none is translated or none is known.</summary>
    public IPEndPoint? ReflexiveEndPoint { get; init; }

    /// <summary>
    /// Whether unsolicited datagrams reach the node: the last dial-back check's verdict, else what
    /// the NAT class implies; null when not known.
    /// </summary>
    public bool? PubliclyReachable { get; init; }

    /// <summary>The direct candidates it offers: configured, interface and reflexive endpoints.</summary>
    public IReadOnlyList<IPEndPoint> Candidates { get; init; } = [];

    /// <summary>The relays it holds reservations with and advertises.</summary>
    public IReadOnlyList<RelayEndPoint> Relays { get; init; } = [];

    /// <summary>Whether it relays for others now.</summary>
    public bool RelayServing { get; init; }

    /// <summary>Circuits it relays now.</summary>
    public int ActiveCircuits { get; init; }

    /// <summary>Counters of the NAT traversal machinery.</summary>
    public NatCounters Counters { get; init; } = new();
}

/// <summary>What the NAT traversal machinery has done and dropped since the node started.</summary>
public sealed record NatCounters
{
    /// <summary>Circuits this node opened as a relay.</summary>
    public long CircuitsRelayed { get; init; }

    /// <summary>Circuit requests refused (not serving, limit reached, target not connected).</summary>
    public long CircuitsRefused { get; init; }

    /// <summary>Bytes forwarded between the two legs of circuits.</summary>
    public long RelayedBytes { get; init; }

    /// <summary>Relayed datagrams dropped by a circuit's bandwidth limit.</summary>
    public long RelayDroppedRateLimited { get; init; }

    /// <summary>NAT-channel messages that did not decode or were not allowed, dropped.</summary>
    public long DroppedMalformed { get; init; }

    /// <summary>Hole punches started (either side).</summary>
    public long PunchesStarted { get; init; }

    /// <summary>Hole punches that gave a direct session.</summary>
    public long PunchesSucceeded { get; init; }

    /// <summary>Sessions opened through a relay.</summary>
    public long RelayedSessions { get; init; }

    /// <summary>Dial-backs this node sent for peers checking their reachability.</summary>
    public long DialBacksServed { get; init; }

    /// <summary>Dial-back requests refused (asked again too soon, probe budget spent, no second socket).</summary>
    public long DialBacksRefused { get; init; }

    /// <summary>Dial-backs that reached this node unsolicited (proof it is publicly reachable).</summary>
    public long DialBacksReceived { get; init; }
}

/// <summary>One connected peer with the path its sessions take (<c>meshhost peers</c>).</summary>
/// <param name="Id">The peer.</param>
/// <param name="EndPoint">The remote endpoint of a direct session, or the relay's endpoint for a relayed one.</param>
/// <param name="RoundTripTime">The smoothed round-trip time.</param>
/// <param name="ConnectedFor">How long the session has been up.</param>
/// <param name="Outbound">Whether this node dialled.</param>
/// <param name="Relayed">Whether the session runs through a relay.</param>
/// <param name="Relay">The relay's id when relayed.</param>
public sealed record PeerPath(NodeId Id, IPEndPoint EndPoint, TimeSpan RoundTripTime, TimeSpan ConnectedFor, bool Outbound, bool Relayed, NodeId? Relay);
