using MeshHost.MessagePack;

namespace MeshHost.Dht.Protocol;

/// <summary>A DHT request. On the wire, a MessagePack union <c>[tag, [fields...]]</c>; see docs/dht.md.</summary>
[Union(0, typeof(PingRequest))]
[Union(1, typeof(FindNodeRequest))]
[Union(2, typeof(FindValueRequest))]
[Union(3, typeof(StoreRequest))]
public abstract partial record DhtRequest
{
    /// <summary>Chosen by the sender; the response echoes it so that late or crossed answers are recognised.</summary>
    [Key(0)] public ulong RequestId { get; init; }
}

/// <summary>PING: are you alive? Answered by <see cref="PongResponse"/>.</summary>
[MessagePackObject]
public sealed partial record PingRequest : DhtRequest;

/// <summary>FIND_NODE: the k contacts closest to <see cref="Target"/> that the receiver knows.</summary>
[MessagePackObject]
public sealed partial record FindNodeRequest : DhtRequest
{
    /// <summary>The 32-byte id looked up.</summary>
    [Key(1)] public byte[] Target { get; init; } = [];
}

/// <summary>FIND_VALUE: the records stored under <see cref="Key"/>, or else the closest contacts.</summary>
[MessagePackObject]
public sealed partial record FindValueRequest : DhtRequest
{
    /// <summary>The 32-byte record key.</summary>
    [Key(1)] public byte[] Key { get; init; } = [];

    /// <summary>The kind of record wanted (<see cref="Records.RecordKind"/> as a byte).</summary>
    [Key(2)] public byte Kind { get; init; }
}

/// <summary>STORE: keep this signed record for others. Answered by <see cref="StoreResponse"/>.</summary>
[MessagePackObject]
public sealed partial record StoreRequest : DhtRequest
{
    /// <summary>The signed record.</summary>
    [Key(1)] public WireRecord? Record { get; init; }
}

/// <summary>A DHT response; <see cref="RequestId"/> echoes the request's.</summary>
[Union(0, typeof(PongResponse))]
[Union(1, typeof(NodesResponse))]
[Union(2, typeof(ValueResponse))]
[Union(3, typeof(StoreResponse))]
[Union(4, typeof(ErrorResponse))]
public abstract partial record DhtResponse
{
    /// <summary>The id of the request this answers.</summary>
    [Key(0)] public ulong RequestId { get; init; }
}

/// <summary>Answer to PING.</summary>
[MessagePackObject]
public sealed partial record PongResponse : DhtResponse
{
    /// <summary>The responder's 32-byte id (the transport checks it against the session's peer).</summary>
    [Key(1)] public byte[] NodeId { get; init; } = [];
}

/// <summary>Answer to FIND_NODE (and to FIND_VALUE when no record is held): at most k contacts.</summary>
[MessagePackObject]
public sealed partial record NodesResponse : DhtResponse
{
    /// <summary>Contacts, closest first.</summary>
    [Key(1)] public WireContact[] Contacts { get; init; } = [];
}

/// <summary>Answer to FIND_VALUE when records are held: the records (size-limited) and closer contacts.</summary>
[MessagePackObject]
public sealed partial record ValueResponse : DhtResponse
{
    /// <summary>Signed records stored under the key, newest first, cut to the response size limit.</summary>
    [Key(1)] public WireRecord[] Records { get; init; } = [];

    /// <summary>Contacts close to the key, so that a lookup for more providers can go on.</summary>
    [Key(2)] public WireContact[] Contacts { get; init; } = [];
}

/// <summary>Answer to STORE.</summary>
[MessagePackObject]
public sealed partial record StoreResponse : DhtResponse
{
    /// <summary>Whether the record was stored (false: invalid, expired, or over a storage limit).</summary>
    [Key(1)] public bool Stored { get; init; }
}

/// <summary>The request could not be understood.</summary>
[MessagePackObject]
public sealed partial record ErrorResponse : DhtResponse
{
    /// <summary>A short reason for logs; never parsed.</summary>
    [Key(1)] public string? Reason { get; init; }
}

/// <summary>A contact on the wire: 32-byte id, 4- or 16-byte address, port.</summary>
[MessagePackObject]
public sealed partial record WireContact
{
    /// <summary>The node id (32 bytes).</summary>
    [Key(0)] public byte[] Id { get; init; } = [];

    /// <summary>The IP address bytes (4 or 16).</summary>
    [Key(1)] public byte[] Address { get; init; } = [];

    /// <summary>The UDP port.</summary>
    [Key(2)] public int Port { get; init; }
}

/// <summary>
/// A signed record on the wire. The signature covers the domain tag <c>"meshhost-dht-record-v1"</c>
/// followed by the MessagePack encoding of this object with <see cref="Signature"/> empty.
/// </summary>
[MessagePackObject]
public sealed partial record WireRecord
{
    /// <summary><see cref="Records.RecordKind"/> as a byte.</summary>
    [Key(0)] public byte Kind { get; init; }

    /// <summary>The 32-byte key the record is stored under.</summary>
    [Key(1)] public byte[] Key { get; init; } = [];

    /// <summary>The publisher's 64-byte P-256 public key; its SHA-256 is the publisher's node id.</summary>
    [Key(2)] public byte[] PublisherKey { get; init; } = [];

    /// <summary>Plugin namespace for value records; empty for the other kinds.</summary>
    [Key(3)] public string Namespace { get; init; } = "";

    /// <summary>Record name within the namespace for value records; empty for the other kinds.</summary>
    [Key(4)] public string Name { get; init; } = "";

    /// <summary>The payload: a <see cref="Records.PeerInfo"/> encoding, a provider's info, or opaque plugin bytes.</summary>
    [Key(5)] public byte[] Value { get; init; } = [];

    /// <summary>When the record was signed, Unix milliseconds.</summary>
    [Key(6)] public long IssuedAtMs { get; init; }

    /// <summary>When the record stops being valid, Unix milliseconds.</summary>
    [Key(7)] public long ExpiresAtMs { get; init; }

    /// <summary>The 64-byte P1363 ECDSA signature.</summary>
    [Key(8)] public byte[] Signature { get; init; } = [];
}
