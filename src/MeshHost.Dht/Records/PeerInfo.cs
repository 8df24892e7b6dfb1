using MeshHost.Dht.Protocol;
using MeshHost.MessagePack;

namespace MeshHost.Dht.Records;

/// <summary>How a node is reachable, as published in its peer record.</summary>
public enum NatStatus : byte
{
    /// <summary>Not yet determined.</summary>
    Unknown = 0,

    /// <summary>Reachable directly at its endpoints.</summary>
    Public = 1,

    /// <summary>Behind a NAT; reach it through its relays or hole punching.</summary>
    Private = 2,
}

/// <summary>The value of a peer record: where a node listens, its NAT status and its relays.</summary>
[MessagePackObject]
public sealed partial record PeerInfo
{
    /// <summary>Endpoints the node listens on (id fields empty).</summary>
    [Key(0)] public WireContact[] EndPoints { get; init; } = [];

    /// <summary>The node's NAT status as a byte (<see cref="Records.NatStatus"/>).</summary>
    [Key(1)] public byte NatStatus { get; init; }

    /// <summary>Relays through which the node can be reached.</summary>
    [Key(2)] public WireContact[] Relays { get; init; } = [];
}
