namespace MeshHost.Mesh.Protocol;

/// <summary>
/// The transport channel ids the mesh reserves on every session. Named channels (plugins' channels,
/// request channels) get ids from <see cref="FirstNamed"/> up, assigned by the receiver and announced
/// in its channel table; see docs/mesh.md.
/// </summary>
internal static class MeshChannels
{
    /// <summary>Mesh control: HELLO and channel-table updates, reliable ordered.</summary>
    public const byte Control = 0;

    /// <summary>DHT requests and responses, reliable unordered.</summary>
    public const byte Dht = 1;

    /// <summary>Gossip pub/sub frames, reliable unordered.</summary>
    public const byte PubSub = 2;

    /// <summary>NAT traversal (docs/nat.md): reflexive reports, relay reservations and circuits, punch offers. Control messages reliable ordered, relayed datagrams unreliable.</summary>
    public const byte Nat = 3;

    /// <summary>The first id given to a named channel.</summary>
    public const byte FirstNamed = 16;

    /// <summary>The last id given to a named channel (ids above are reserved).</summary>
    public const byte LastNamed = FirstNamed + Sdk.MeshLimits.MaxChannels - 1;
}
