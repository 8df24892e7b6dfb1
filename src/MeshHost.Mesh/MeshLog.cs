using Microsoft.Extensions.Logging;

namespace MeshHost.Mesh;

/// <summary>The mesh node's log messages (event ids 4000-4099).</summary>
internal static partial class MeshLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Node {NodeId} listening on {EndPoint}")]
    public static partial void Started(ILogger logger, string nodeId, System.Net.IPEndPoint endPoint);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Peer {Peer} connected at {EndPoint} ({Direction})")]
    public static partial void PeerJoined(ILogger logger, string peer, System.Net.IPEndPoint endPoint, string direction);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Peer {Peer} left: {Reason}")]
    public static partial void PeerLeft(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Handler of '{Channel}' failed on a message from {Peer}")]
    public static partial void HandlerFaulted(ILogger logger, string channel, string peer, Exception exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "Dial of {Target} failed: {Reason}")]
    public static partial void DialFailed(ILogger logger, string target, string reason);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Debug, Message = "Dropped a message on unknown channel id {ChannelId} from {Peer}")]
    public static partial void UnknownChannel(ILogger logger, byte channelId, string peer);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Debug, Message = "Dropped a malformed {What} from {Peer}")]
    public static partial void Malformed(ILogger logger, string what, string peer);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Closing the session with {Peer}: {Reason}")]
    public static partial void ClosingSession(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Information, Message = "Joined the mesh through {Seeds} seed(s): {Contacts} contact(s) in the routing table")]
    public static partial void Bootstrapped(ILogger logger, int seeds, int contacts);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "Found {Peer} at {EndPoint} by LAN beacon")]
    public static partial void LanPeer(ILogger logger, string peer, System.Net.IPEndPoint endPoint);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Background task '{Task}' failed")]
    public static partial void BackgroundFailed(ILogger logger, string task, Exception exception);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "Port {Port} is taken; trying {Next}")]
    public static partial void PortTaken(ILogger logger, int port, int next);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Debug, Message = "Published the peer record with {Count} endpoint(s) to {Stored} node(s)")]
    public static partial void PeerRecordPublished(ILogger logger, int count, int stored);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Information, Message = "Node {NodeId} stopped")]
    public static partial void Stopped(ILogger logger, string nodeId);

    // NAT traversal: 4500-4999 (docs/nat.md).

    [LoggerMessage(EventId = 4500, Level = LogLevel.Information, Message = "NAT class {Class}, reflexive endpoint {Reflexive}")]
    public static partial void NatClassified(ILogger logger, string @class, string reflexive);

    [LoggerMessage(EventId = 4501, Level = LogLevel.Information, Message = "Relaying for others: {Serving}")]
    public static partial void RelayServing(ILogger logger, bool serving);

    [LoggerMessage(EventId = 4502, Level = LogLevel.Information, Message = "Reserved relay {Relay}")]
    public static partial void RelayReserved(ILogger logger, string relay);

    [LoggerMessage(EventId = 4503, Level = LogLevel.Debug, Message = "Relaying a circuit from {From} to {To}")]
    public static partial void CircuitOpened(ILogger logger, string from, string to);

    [LoggerMessage(EventId = 4504, Level = LogLevel.Debug, Message = "Refused a circuit from {From} to {To}: {Reason}")]
    public static partial void CircuitRefused(ILogger logger, string from, string to, string reason);

    [LoggerMessage(EventId = 4505, Level = LogLevel.Debug, Message = "Accepted a circuit from {From} through relay {Relay}")]
    public static partial void CircuitAccepted(ILogger logger, string from, string relay);

    [LoggerMessage(EventId = 4506, Level = LogLevel.Information, Message = "Session with {Peer} runs through relay {Relay}")]
    public static partial void RelayedSession(ILogger logger, string peer, string relay);

    [LoggerMessage(EventId = 4507, Level = LogLevel.Debug, Message = "Punching to {Peer} at {Count} candidate(s)")]
    public static partial void PunchStarted(ILogger logger, string peer, int count);

    [LoggerMessage(EventId = 4508, Level = LogLevel.Information, Message = "Hole punch with {Peer} ended; direct path: {Success}")]
    public static partial void PunchEnded(ILogger logger, string peer, bool success);

    [LoggerMessage(EventId = 4509, Level = LogLevel.Warning, Message = "Could not list the network interfaces for candidates: {Reason}")]
    public static partial void NatInterfacesUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 4510, Level = LogLevel.Information, Message = "Session with {Peer} moved from its relay to the direct path {EndPoint}")]
    public static partial void PathUpgraded(ILogger logger, string peer, System.Net.IPEndPoint endPoint);

    [LoggerMessage(EventId = 4511, Level = LogLevel.Information, Message = "Dial-back check: publicly reachable {Reachable}")]
    public static partial void Reachability(ILogger logger, bool reachable);

    [LoggerMessage(EventId = 4512, Level = LogLevel.Warning, Message = "No socket for dialling peers back (reachability checks for others are refused): {Reason}")]
    public static partial void DialBackSocketUnavailable(ILogger logger, string reason);
}
