using Microsoft.Extensions.Logging;

namespace MeshHost.Mesh.PubSub;

/// <summary>The gossip router's log messages; event ids 3000-3099 are stable.</summary>
internal static partial class PubSubLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Debug, Message = "Pubsub peer {Peer} added")]
    public static partial void PeerAdded(ILogger logger, string peer);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Pubsub peer {Peer} removed")]
    public static partial void PeerRemoved(ILogger logger, string peer);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Refused pubsub peer {Peer}: already tracking {Limit} peers")]
    public static partial void PeerRefused(ILogger logger, string peer, int limit);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "Dropped a message on {Topic} relayed by {Peer}: the signature of origin {Origin} does not verify")]
    public static partial void InvalidSignature(ILogger logger, string topic, string peer, string origin);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "Dropped a malformed pubsub frame of {Length} bytes from {Peer}")]
    public static partial void MalformedFrame(ILogger logger, string peer, int length);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "Peer {Peer} is over its publish rate; dropped {Count} messages since the last heartbeat")]
    public static partial void RateLimited(ILogger logger, string peer, int count);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "Ignored topic {Topic} from {Peer}: topic limit reached")]
    public static partial void TopicLimit(ILogger logger, string topic, string peer);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Error, Message = "Pubsub heartbeat failed")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "A subscriber of {Topic} threw on a message from {Origin}")]
    public static partial void HandlerFailed(ILogger logger, string topic, string origin, Exception exception);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "Sending a pubsub frame to {Peer} threw")]
    public static partial void SendThrew(ILogger logger, string peer, Exception exception);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Debug, Message = "Grafted {Peer} into the mesh of {Topic}")]
    public static partial void Grafted(ILogger logger, string peer, string topic);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Debug, Message = "Pruned {Peer} from the mesh of {Topic}")]
    public static partial void Pruned(ILogger logger, string peer, string topic);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Debug, Message = "Asked for more peers of {Topic}: {Mesh} in its mesh")]
    public static partial void RequestedTopicPeers(ILogger logger, string topic, int mesh);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Error, Message = "Handling a pubsub frame from {Peer} failed")]
    public static partial void FrameFailed(ILogger logger, string peer, Exception exception);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Debug, Message = "Dropped a pubsub frame from {Peer}, which is not a pubsub peer")]
    public static partial void UnknownPeer(ILogger logger, string peer);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Debug, Message = "Dropped a message of {Length} bytes on {Topic} from {Peer}: over the {Limit}-byte limit")]
    public static partial void TooLarge(ILogger logger, string topic, string peer, int length, int limit);
}
