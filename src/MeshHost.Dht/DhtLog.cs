using MeshHost.Dht.Records;
using Microsoft.Extensions.Logging;

namespace MeshHost.Dht;

/// <summary>The DHT's log messages; event ids 4000-4099 are stable.</summary>
internal static partial class DhtLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Debug, Message = "Refused a record stored by {Peer}: {Verdict}")]
    public static partial void RecordRefused(ILogger logger, string peer, RecordVerdict verdict);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "DHT background {Task} failed")]
    public static partial void BackgroundFailed(ILogger logger, string task, Exception exception);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "RPC to {Peer} threw")]
    public static partial void RpcThrew(ILogger logger, string peer, Exception exception);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Joined the DHT: {Count} contacts after bootstrap")]
    public static partial void Joined(ILogger logger, int count);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Lost every DHT contact; rejoining through {Seeds} seeds and saved contacts")]
    public static partial void Rejoining(ILogger logger, int seeds);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Could not save the routing table to {Path}")]
    public static partial void SaveFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Ignored an unreadable routing table file {Path}")]
    public static partial void LoadFailed(ILogger logger, string path, Exception exception);
}
