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

    /// <summary>Relays through which the node can be reached (their ids and the endpoints the node reaches them at).</summary>
    [Key(2)] public WireContact[] Relays { get; init; } = [];

    /// <summary>
    /// The node's NAT class as a byte (MeshHost.Mesh.Nat.NatClass: 0 unknown, 1 public, 2
    /// port-preserving, 3 endpoint-independent, 4 symmetric). Added after version 1 of the record:
    /// records without it read as 0.
    /// </summary>
    [Key(3)] public byte NatClass { get; init; }
}
