using Microsoft.Extensions.Logging;

namespace MeshHost.Ping;

/// <summary>The log lines of the echo service and <c>meshhost ping</c>; event ids 5500-5599 never change meaning.</summary>
internal static partial class PingLog
{
    [LoggerMessage(EventId = 5500, Level = LogLevel.Information, Message = "Echo service open on channel {Channel}")]
    public static partial void EchoOpened(ILogger logger, string channel);

    [LoggerMessage(EventId = 5501, Level = LogLevel.Information, Message = "Ping {PeerId}: {Echoed}/{Count} echoed over a {Path} path, {Corrupted} corrupted, {TimedOut} timed out, {Failed} failed; RTT p50 {P50Ms} ms")]
    public static partial void PingDone(ILogger logger, string peerId, int echoed, int count, string path, int corrupted, int timedOut, int failed, double? p50Ms);

    [LoggerMessage(EventId = 5502, Level = LogLevel.Warning, Message = "Ping {PeerId}: request {Sequence} came back with different bytes (first difference at offset {Offset} of {Size}; seed {Seed})")]
    public static partial void EchoCorrupted(ILogger logger, string peerId, int sequence, int offset, int size, int seed);

    [LoggerMessage(EventId = 5503, Level = LogLevel.Warning, Message = "Ping {PeerId}: request {Sequence} failed: {Reason}")]
    public static partial void EchoFailed(ILogger logger, string peerId, int sequence, string reason);
}
