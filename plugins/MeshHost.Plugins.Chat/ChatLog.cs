using MeshHost.Sdk;
using Microsoft.Extensions.Logging;

namespace MeshHost.Plugins.Chat;

/// <summary>The chat plugin's log lines (event ids 7000-7099).</summary>
internal static partial class ChatLog
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Debug, Message = "Dropped a chat message from {Peer}: {Reason}")]
    public static partial void Dropped(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Debug, Message = "Sync of room {Room} with {Peer} failed: {Reason}")]
    public static partial void SyncFailed(ILogger logger, string room, string peer, string reason);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "Direct message delivery to {Peer} failed (attempt {Attempt}): {Reason}")]
    public static partial void DeliveryFailed(ILogger logger, string peer, int attempt, string reason);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "Delivered {Count} queued direct message(s) to {Peer}")]
    public static partial void Delivered(ILogger logger, int count, string peer);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "Could not publish to room {Room} ({Error})")]
    public static partial void PublishFailed(ILogger logger, string room, MeshError error);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Error, Message = "Chat background work failed")]
    public static partial void BackgroundFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Warning, Message = "Could not release Microsoft.Data.Sqlite's process-wide handlers and timer (another library version?): this plugin's assembly will stay loaded after it unloads")]
    public static partial void NotUnloadable(ILogger logger);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Debug, Message = "Synced room {Room} with {Peer}: {Received} received, {Sent} sent")]
    public static partial void Synced(ILogger logger, string room, string peer, int received, int sent);
}
