using MeshHost.MessagePack;

namespace MeshHost.Bench.Serializer;

/// <summary>The nested object inside <see cref="ChatMessage"/>.</summary>
[MessagePackObject]
public sealed partial class RoomInfo
{
    /// <summary>The room's display name.</summary>
    [Key(0)]
    public string Name { get; set; } = "";

    /// <summary>How many members the room has.</summary>
    [Key(1)]
    public int MemberCount { get; set; }

    /// <summary>Whether the room is private.</summary>
    [Key(2)]
    public bool IsPrivate { get; set; }
}
