namespace MeshHost.Mesh.PubSub;

/// <summary>Gossip pub/sub parameters (after gossipsub v1.1); see docs/mesh.md.</summary>
public sealed record GossipOptions
{
    /// <summary>The target number of mesh peers per topic (gossipsub D).</summary>
    public int D { get; init; } = 6;

    /// <summary>Below this many mesh peers, the heartbeat grafts more (gossipsub D_lo).</summary>
    public int DLow { get; init; } = 4;

    /// <summary>Above this many mesh peers, the heartbeat prunes down to <see cref="D"/> (gossipsub D_hi).</summary>
    public int DHigh { get; init; } = 12;

    /// <summary>How many non-mesh topic peers receive IHAVE gossip per heartbeat (gossipsub D_lazy).</summary>
    public int DLazy { get; init; } = 6;

    /// <summary>How often the mesh is maintained and gossip is emitted.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many heartbeats a message stays in the message cache, answerable to IWANT.</summary>
    public int HistoryLength { get; init; } = 5;

    /// <summary>How many of the most recent heartbeats' message ids are advertised in IHAVE.</summary>
    public int HistoryGossip { get; init; } = 3;

    /// <summary>How long a message id is remembered so that the message is delivered and forwarded once.</summary>
    public TimeSpan SeenTtl { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The most message ids remembered; the oldest are forgotten first.</summary>
    public int MaxSeenMessages { get; init; } = 100_000;

    /// <summary>The largest application payload of a topic message, in bytes.</summary>
    public int MaxMessageBytes { get; init; } = 64 * 1024;

    /// <summary>The most topics a node tracks (its own and its neighbours' subscriptions).</summary>
    public int MaxTopics { get; init; } = 1024;
}
