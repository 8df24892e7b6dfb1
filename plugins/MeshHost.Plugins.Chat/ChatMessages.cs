using MeshHost.MessagePack;

namespace MeshHost.Plugins.Chat;

/// <summary>
/// One chat message, signed by its author: a room post (<see cref="Room"/> set) or a direct message
/// (<see cref="Recipient"/> set). It travels on the room's topic, on the DM channel and in sync
/// exchanges, always whole, so any node can verify it however it arrived (docs/chat.md).
/// </summary>
[MessagePackObject]
public sealed partial record ChatMessage
{
    /// <summary>The first 16 bytes of SHA-256 of the signed bytes: unique per content, checked by receivers.</summary>
    [Key(0)] public byte[] Id { get; init; } = [];

    /// <summary>The room, or "" for a direct message.</summary>
    [Key(1)] public string Room { get; init; } = "";

    /// <summary>The author's 64-byte public key; the author's NodeId is its SHA-256.</summary>
    [Key(2)] public byte[] Author { get; init; } = [];

    /// <summary>The hybrid logical clock timestamp: milliseconds since the Unix epoch &lt;&lt; 16 | logical counter.</summary>
    [Key(3)] public ulong Hlc { get; init; }

    /// <summary>The author's display name, shown beside the short NodeId.</summary>
    [Key(4)] public string Nick { get; init; } = "";

    /// <summary>The text.</summary>
    [Key(5)] public string Text { get; init; } = "";

    /// <summary>For a direct message the recipient's 32-byte NodeId; empty for a room post.</summary>
    [Key(6)] public byte[] Recipient { get; init; } = [];

    /// <summary>The author's 64-byte ECDSA P-256 signature over <see cref="ChatCodec.SignedBytes"/>.</summary>
    [Key(7)] public byte[] Signature { get; init; } = [];
}

/// <summary>What the room topic carries: a message, or a member's periodic beacon (Message null).</summary>
[MessagePackObject]
public sealed partial record RoomFrame
{
    /// <summary>A message posted to the room, or null for a beacon.</summary>
    [Key(0)] public ChatMessage? Message { get; init; }

    /// <summary>The beacon's room (a beacon says "I am a member; sync with me").</summary>
    [Key(1)] public string Room { get; init; } = "";
}

/// <summary>
/// A sync request on <c>meshhost.chat/sync</c>: the ids the asker holds (its offer), and messages it
/// sends because the peer asked for them in an earlier answer.
/// </summary>
[MessagePackObject]
public sealed partial record SyncRequest
{
    /// <summary>The room being synced.</summary>
    [Key(0)] public string Room { get; init; } = "";

    /// <summary>Ids of messages the asker holds, newest first, at most <see cref="ChatLimits.MaxOfferIds"/>.</summary>
    [Key(1)] public List<byte[]> Offer { get; init; } = [];

    /// <summary>Messages the peer asked for, at most <see cref="ChatLimits.MaxMessagesPerSync"/>.</summary>
    [Key(2)] public List<ChatMessage> Messages { get; init; } = [];
}

/// <summary>The answer to a <see cref="SyncRequest"/>.</summary>
[MessagePackObject]
public sealed partial record SyncResponse
{
    /// <summary>Ids from the offer the answerer lacks and wants sent.</summary>
    [Key(0)] public List<byte[]> Want { get; init; } = [];

    /// <summary>Messages the answerer holds that were not in the offer, newest first.</summary>
    [Key(1)] public List<ChatMessage> Messages { get; init; } = [];

    /// <summary>How many of the request's messages were stored (the acknowledgement).</summary>
    [Key(2)] public int Accepted { get; init; }
}

/// <summary>The acknowledgement of a direct message on <c>meshhost.chat/dm</c>.</summary>
[MessagePackObject]
public sealed partial record DirectAck
{
    /// <summary>The message's id.</summary>
    [Key(0)] public byte[] Id { get; init; } = [];

    /// <summary>True when the recipient stored it (or already had it); false when it was refused.</summary>
    [Key(1)] public bool Delivered { get; init; }
}
