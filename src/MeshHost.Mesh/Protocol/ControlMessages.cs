using MeshHost.MessagePack;

namespace MeshHost.Mesh.Protocol;

/// <summary>A message on the mesh control channel (<see cref="MeshChannels.Control"/>).</summary>
[MessagePackObject]
[Union(0, typeof(HelloMessage))]
[Union(1, typeof(ChannelsOpenedMessage))]
[Union(2, typeof(ChannelsClosedMessage))]
internal abstract partial record ControlMessage;

/// <summary>
/// The first message each side sends on a new session: its protocol version, the port it listens on
/// and its whole channel table (the ids it wants each named channel sent on).
/// </summary>
[MessagePackObject]
internal sealed partial record HelloMessage : ControlMessage
{
    /// <summary>The mesh protocol version; a peer with another major version is closed with a reason.</summary>
    [Key(0)] public int Version { get; init; }

    /// <summary>Free text naming the software, for `meshhost peers`; at most 64 characters are kept.</summary>
    [Key(1)] public string Agent { get; init; } = "";

    /// <summary>The channels the sender has open.</summary>
    [Key(2)] public ChannelEntry[] Channels { get; init; } = [];
}

/// <summary>The sender opened channels since its HELLO.</summary>
[MessagePackObject]
internal sealed partial record ChannelsOpenedMessage : ControlMessage
{
    /// <summary>The new entries.</summary>
    [Key(0)] public ChannelEntry[] Channels { get; init; } = [];
}

/// <summary>The sender closed channels: stop sending on these ids.</summary>
[MessagePackObject]
internal sealed partial record ChannelsClosedMessage : ControlMessage
{
    /// <summary>The ids closed.</summary>
    [Key(0)] public byte[] Ids { get; init; } = [];
}

/// <summary>One named channel in a channel table.</summary>
[MessagePackObject]
internal sealed partial record ChannelEntry
{
    /// <summary>The channel's name.</summary>
    [Key(0)] public string Name { get; init; } = "";

    /// <summary>The transport channel id the sender receives it on.</summary>
    [Key(1)] public byte Id { get; init; }
}
