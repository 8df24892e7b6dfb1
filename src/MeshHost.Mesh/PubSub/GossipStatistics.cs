namespace MeshHost.Mesh.PubSub;

/// <summary>A snapshot of a <see cref="GossipRouter"/>'s counters (since it was created) and the sizes of its bounded tables.</summary>
/// <param name="Published">Messages this node published.</param>
/// <param name="Delivered">Messages handed to local subscribers (each message once, whatever the number of handlers; own messages included).</param>
/// <param name="Forwarded">PUBLISH frames relayed to mesh and fanout peers (one per peer per message).</param>
/// <param name="Duplicates">PUBLISH items already seen, dropped.</param>
/// <param name="DroppedInvalidSignature">PUBLISH items whose signature did not verify under their origin key.</param>
/// <param name="DroppedMalformed">Frames that did not decode, and items with invalid fields (topic, key or signature size, hops, id list).</param>
/// <param name="DroppedTooLarge">Frames over the frame limit and PUBLISH items over the payload limit.</param>
/// <param name="DroppedRateLimited">PUBLISH items over the sender's token bucket, and IHAVE items over the per-heartbeat limit.</param>
/// <param name="DroppedUnsubscribed">Valid PUBLISH items for topics this node does not subscribe to.</param>
/// <param name="DroppedTopicLimit">SUBSCRIBE and GRAFT items refused by the topic limits.</param>
/// <param name="DroppedUnknownPeer">Frames from a peer that was never added (or already removed).</param>
/// <param name="IHaveSent">IHAVE items sent.</param>
/// <param name="IWantSent">IWANT items sent.</param>
/// <param name="IWantServed">Messages sent in answer to IWANT.</param>
/// <param name="PayloadFramesSent">Frames holding PUBLISH items handed to the links (own, relayed and IWANT answers).</param>
/// <param name="ControlFramesSent">Frames of control items only, handed to the links.</param>
/// <param name="SendFailures">Frames the links refused (peer gone or its buffer full).</param>
/// <param name="TopicPeerRequests">Calls to <see cref="IPubSubLinks.RequestTopicPeers"/>.</param>
/// <param name="InternalErrors">Exceptions caught at the frame, heartbeat or handler boundary (a bug or a throwing handler).</param>
/// <param name="SeenCount">Ids in the seen cache now.</param>
/// <param name="CachedMessages">Messages in the message cache now.</param>
/// <param name="CachedBytes">Payload bytes in the message cache now.</param>
/// <param name="PendingIWants">Ids asked for with IWANT and not yet received or expired.</param>
/// <param name="Peers">Neighbours tracked now.</param>
/// <param name="Topics">Topics tracked now (own, fanout and neighbours').</param>
internal sealed record GossipStatistics(
    long Published,
    long Delivered,
    long Forwarded,
    long Duplicates,
    long DroppedInvalidSignature,
    long DroppedMalformed,
    long DroppedTooLarge,
    long DroppedRateLimited,
    long DroppedUnsubscribed,
    long DroppedTopicLimit,
    long DroppedUnknownPeer,
    long IHaveSent,
    long IWantSent,
    long IWantServed,
    long PayloadFramesSent,
    long ControlFramesSent,
    long SendFailures,
    long TopicPeerRequests,
    long InternalErrors,
    int SeenCount,
    int CachedMessages,
    long CachedBytes,
    int PendingIWants,
    int Peers,
    int Topics);
