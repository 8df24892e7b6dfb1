namespace MeshHost.Mesh.PubSub;

/// <summary>Gossip pub/sub parameters (after gossipsub v1.1); see docs/pubsub.md.</summary>
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

    /// <summary>The most topics a node tracks for its neighbours' subscriptions, and separately the most it subscribes to or publishes to without subscribing.</summary>
    public int MaxTopics { get; init; } = 1024;

    /// <summary>The most topics one neighbour may announce; further SUBSCRIBEs from it are dropped and counted.</summary>
    public int MaxTopicsPerPeer { get; init; } = 256;

    /// <summary>The longest topic name, in UTF-8 bytes.</summary>
    public int MaxTopicBytes { get; init; } = 256;

    /// <summary>The most neighbours tracked; <see cref="GossipRouter.AddPeer"/> beyond it is refused.</summary>
    public int MaxPeers { get; init; } = 1024;

    /// <summary>The largest frame accepted or produced, in bytes (kept below the transport's 1 MiB message limit).</summary>
    public int MaxFrameBytes { get; init; } = 1000 * 1024;

    /// <summary>How long a fanout set (peers of a topic we publish to without subscribing) lives after the last publish.</summary>
    public TimeSpan FanoutTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>After a PRUNE (sent or received), how long the two peers do not graft each other again on that topic.</summary>
    public TimeSpan PruneBackoff { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The most message ids sent in one IHAVE, and read from one received IHAVE or IWANT.</summary>
    public int MaxIHaveLength { get; init; } = 500;

    /// <summary>The most IHAVE items read from one neighbour per heartbeat; the rest are ignored.</summary>
    public int MaxIHaveMessagesPerPeer { get; init; } = 10;

    /// <summary>The most messages sent to one neighbour in answer to IWANT per heartbeat.</summary>
    public int MaxIWantRepliesPerPeer { get; init; } = 500;

    /// <summary>How long an id asked for with IWANT is not asked for again (its answer may be lost).</summary>
    public TimeSpan IWantFollowup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The most ids awaiting an IWANT answer; while full, no more are asked for.</summary>
    public int MaxPendingIWants { get; init; } = 10_000;

    /// <summary>The most messages held in the message cache (also bounded by <see cref="MaxMessageCacheBytes"/>).</summary>
    public int MaxCachedMessages { get; init; } = 10_000;

    /// <summary>The most payload bytes held in the message cache; the oldest messages go first.</summary>
    public long MaxMessageCacheBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>PUBLISH items accepted from one neighbour per second, on average (token bucket refill rate).</summary>
    public double PublishRatePerPeer { get; init; } = 200;

    /// <summary>PUBLISH items one neighbour may send in a burst (token bucket size); covers a full IWANT answer.</summary>
    public int PublishBurstPerPeer { get; init; } = 600;

    /// <summary>The shortest interval between two requests for more peers of one topic (<see cref="IPubSubLinks.RequestTopicPeers"/>).</summary>
    public TimeSpan TopicPeerRequestInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The most public keys whose imported ECDSA key is kept for signature checks.</summary>
    public int VerifierCacheSize { get; init; } = 1024;

    /// <summary>Throws if the parameters are inconsistent (D outside [DLow, DHigh], a non-positive limit).</summary>
    /// <exception cref="ArgumentException">A parameter is out of range; the message names it.</exception>
    public void Validate()
    {
        Check(DLow >= 1 && DLow <= D && D <= DHigh, "DLow <= D <= DHigh with DLow >= 1");
        Check(DLazy >= 0, "DLazy >= 0");
        Check(HeartbeatInterval > TimeSpan.Zero, "HeartbeatInterval > 0");
        Check(HistoryLength >= 1 && HistoryGossip >= 0 && HistoryGossip <= HistoryLength, "1 <= HistoryLength, 0 <= HistoryGossip <= HistoryLength");
        Check(SeenTtl > TimeSpan.Zero && MaxSeenMessages >= 1, "SeenTtl > 0 and MaxSeenMessages >= 1");
        Check(MaxMessageBytes >= 1 && MaxMessageBytes + 1024 <= MaxFrameBytes, "1 <= MaxMessageBytes <= MaxFrameBytes - 1024");
        Check(MaxFrameBytes <= 1024 * 1024, "MaxFrameBytes <= 1 MiB");
        Check(MaxTopics >= 1 && MaxTopicsPerPeer >= 1 && MaxTopicBytes >= 1 && MaxPeers >= 1, "MaxTopics, MaxTopicsPerPeer, MaxTopicBytes, MaxPeers >= 1");
        Check(MaxIHaveLength >= 1 && MaxIHaveMessagesPerPeer >= 0 && MaxIWantRepliesPerPeer >= 0 && MaxPendingIWants >= 0, "IHAVE/IWANT limits >= 0 (MaxIHaveLength >= 1)");
        Check(MaxCachedMessages >= 1 && MaxMessageCacheBytes >= MaxMessageBytes, "MaxCachedMessages >= 1 and MaxMessageCacheBytes >= MaxMessageBytes");
        Check(PublishRatePerPeer > 0 && PublishBurstPerPeer >= 1, "PublishRatePerPeer > 0 and PublishBurstPerPeer >= 1");
        Check(VerifierCacheSize >= 1, "VerifierCacheSize >= 1");
    }

    private static void Check(bool condition, string rule)
    {
        if (!condition)
        {
            throw new ArgumentException($"Invalid gossip options: {rule} must hold.");
        }
    }
}
