namespace MeshHost.Dht.Records;

/// <summary>The kinds of record the DHT stores. The byte values are part of the wire format.</summary>
public enum RecordKind : byte
{
    /// <summary>NodeId → endpoints, NAT status and relays; the key is the publisher's own id.</summary>
    Peer = 1,

    /// <summary>Content key → one provider; many publishers may provide the same key.</summary>
    Provider = 2,

    /// <summary>A small opaque plugin value; the key is derived from namespace, publisher and name.</summary>
    Value = 3,
}

/// <summary>Why a record was refused. <see cref="Valid"/> is the only acceptance.</summary>
public enum RecordVerdict
{
    /// <summary>The record may be stored and returned.</summary>
    Valid,

    /// <summary>The signature does not verify against the publisher key.</summary>
    BadSignature,

    /// <summary>The key is not the one the publisher is entitled to (peer and value records).</summary>
    WrongPublisher,

    /// <summary>Already expired, issued in the future, or valid for longer than allowed.</summary>
    Expired,

    /// <summary>Value, namespace, name or the whole record over its size limit.</summary>
    Oversized,

    /// <summary>Fields missing or of the wrong length, or an unknown kind.</summary>
    Malformed,
}
