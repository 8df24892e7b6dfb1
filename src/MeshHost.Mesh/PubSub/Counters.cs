namespace MeshHost.Mesh.PubSub;

/// <summary>The router's running counters; changed only under the router's lock.</summary>
internal sealed class Counters
{
    public long Published;
    public long Delivered;
    public long Forwarded;
    public long Duplicates;
    public long DroppedInvalidSignature;
    public long DroppedMalformed;
    public long DroppedTooLarge;
    public long DroppedRateLimited;
    public long DroppedUnsubscribed;
    public long DroppedTopicLimit;
    public long DroppedUnknownPeer;
    public long IHaveSent;
    public long IWantSent;
    public long IWantServed;
    public long PayloadFramesSent;
    public long ControlFramesSent;
    public long SendFailures;
    public long TopicPeerRequests;
    public long InternalErrors;

    public GossipStatistics Snapshot(int seen, int cached, long cachedBytes, int pendingIWants, int peers, int topics) => new(
        Published,
        Delivered,
        Forwarded,
        Duplicates,
        DroppedInvalidSignature,
        DroppedMalformed,
        DroppedTooLarge,
        DroppedRateLimited,
        DroppedUnsubscribed,
        DroppedTopicLimit,
        DroppedUnknownPeer,
        IHaveSent,
        IWantSent,
        IWantServed,
        PayloadFramesSent,
        ControlFramesSent,
        SendFailures,
        TopicPeerRequests,
        InternalErrors,
        seen,
        cached,
        cachedBytes,
        pendingIWants,
        peers,
        topics);
}
