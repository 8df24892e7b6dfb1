using MeshHost.MessagePack;

namespace MeshHost.Mesh.PubSub.Protocol;

/// <summary>
/// One pubsub frame: a list of items, each a MessagePack union <c>[tag, [fields...]]</c>. Control
/// items (subscriptions, GRAFT, PRUNE, IHAVE, IWANT) for one neighbour share a frame; see docs/pubsub.md.
/// </summary>
[MessagePackObject]
internal sealed partial record PubSubFrame
{
    /// <summary>The items, applied in order.</summary>
    [Key(0)] public PubSubItem[] Items { get; init; } = [];
}

/// <summary>An item of a <see cref="PubSubFrame"/>.</summary>
[Union(0, typeof(SubscribeItem))]
[Union(1, typeof(UnsubscribeItem))]
[Union(2, typeof(PublishItem))]
[Union(3, typeof(GraftItem))]
[Union(4, typeof(PruneItem))]
[Union(5, typeof(IHaveItem))]
[Union(6, typeof(IWantItem))]
internal abstract partial record PubSubItem
{
    /// <summary>The topic the item is about (UTF-8, at most <see cref="GossipOptions.MaxTopicBytes"/> bytes); empty in IWANT.</summary>
    [Key(0)] public string Topic { get; init; } = "";
}

/// <summary>SUBSCRIBE: the sender subscribes to <see cref="PubSubItem.Topic"/>.</summary>
[MessagePackObject]
internal sealed partial record SubscribeItem : PubSubItem;

/// <summary>UNSUBSCRIBE: the sender left <see cref="PubSubItem.Topic"/>.</summary>
[MessagePackObject]
internal sealed partial record UnsubscribeItem : PubSubItem;

/// <summary>
/// PUBLISH: one signed topic message. The signature covers the bytes described at <see cref="PubSubCodec.Sign"/>
/// (domain tag, topic, seqno, origin key, payload); <see cref="Hops"/> is not signed: each relayer
/// writes the hops it received plus one.
/// </summary>
[MessagePackObject]
internal sealed partial record PublishItem : PubSubItem
{

    /// <summary>The origin's 64-byte P-256 public key; its SHA-256 is the origin's node id.</summary>
    [Key(1)] public byte[] OriginKey { get; init; } = [];

    /// <summary>The origin's sequence number; with the origin id it is the message id.</summary>
    [Key(2)] public ulong Seqno { get; init; }

    /// <summary>The application payload.</summary>
    [Key(3)] public byte[] Payload { get; init; } = [];

    /// <summary>The origin's 64-byte P1363 ECDSA signature.</summary>
    [Key(4)] public byte[] Signature { get; init; } = [];

    /// <summary>Links crossed including the one this frame travels on (1 when sent by the origin).</summary>
    [Key(5)] public int Hops { get; init; }
}

/// <summary>GRAFT: the sender added the receiver to its mesh for <see cref="PubSubItem.Topic"/>.</summary>
[MessagePackObject]
internal sealed partial record GraftItem : PubSubItem;

/// <summary>PRUNE: the sender removed the receiver from its mesh for <see cref="PubSubItem.Topic"/>; neither grafts the other for the backoff.</summary>
[MessagePackObject]
internal sealed partial record PruneItem : PubSubItem;

/// <summary>IHAVE: the sender holds these recent messages of <see cref="PubSubItem.Topic"/>.</summary>
[MessagePackObject]
internal sealed partial record IHaveItem : PubSubItem
{

    /// <summary>Message ids, each <see cref="MessageId.Size"/> bytes (origin id, then seqno big-endian), concatenated.</summary>
    [Key(1)] public byte[] Ids { get; init; } = [];
}

/// <summary>IWANT: send me these messages (answered with PUBLISH items from the message cache).</summary>
[MessagePackObject]
internal sealed partial record IWantItem : PubSubItem
{
    /// <summary>Message ids, each <see cref="MessageId.Size"/> bytes, concatenated.</summary>
    [Key(1)] public byte[] Ids { get; init; } = [];
}
