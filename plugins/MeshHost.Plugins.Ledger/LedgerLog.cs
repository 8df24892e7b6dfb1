using Microsoft.Extensions.Logging;

namespace MeshHost.Plugins.Ledger;

/// <summary>The ledger plugin's log lines (event ids 9000-9099).</summary>
internal static partial class LedgerLog
{
    [LoggerMessage(EventId = 9000, Level = LogLevel.Information, Message = "Ledger tip is now block {Height} {Hash} ({Consensus})")]
    public static partial void NewTip(ILogger logger, long height, string hash, string consensus);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Debug, Message = "Refused a block from {Peer}: {Error}")]
    public static partial void BlockRefused(ILogger logger, string peer, LedgerError error);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Ignoring peer {Peer} for {Minutes} min: it sent {Count} invalid blocks or headers")]
    public static partial void PeerPenalised(ILogger logger, string peer, int minutes, int count);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "Reorganised: {Disconnected} block(s) disconnected, {Connected} connected; tip {Height}")]
    public static partial void Reorganised(ILogger logger, int disconnected, int connected, long height);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Debug, Message = "Sync with {Peer} failed: {Reason}")]
    public static partial void SyncFailed(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Error, Message = "Ledger background work failed")]
    public static partial void BackgroundFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Warning, Message = "Could not release Microsoft.Data.Sqlite's process-wide handlers and timer: this plugin's assembly will stay loaded after it unloads")]
    public static partial void NotUnloadable(ILogger logger);

    [LoggerMessage(EventId = 9007, Level = LogLevel.Debug, Message = "Refused a transfer from {Peer}: {Error}")]
    public static partial void TransactionRefused(ILogger logger, string peer, LedgerError error);

    [LoggerMessage(EventId = 9008, Level = LogLevel.Warning, Message = "Could not publish on {Topic} ({Reason})")]
    public static partial void PublishFailed(ILogger logger, string topic, string reason);
}
