using Microsoft.Extensions.Logging;

namespace MeshHost.Plugins.FileShare;

/// <summary>The file-share plugin's log lines (event ids 8000-8099).</summary>
internal static partial class FileShareLog
{
    [LoggerMessage(EventId = 8000, Level = LogLevel.Information, Message = "Sharing {Name} ({Bytes} bytes in {Files} file(s)) as {Root}")]
    public static partial void Shared(ILogger logger, string name, long bytes, int files, string root);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Stopped serving {Root} from {Path}: a file changed or disappeared since it was shared")]
    public static partial void ShareStale(ILogger logger, string root, string path);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Information, Message = "Download of {Name} ({Root}) started into {Directory}")]
    public static partial void DownloadStarted(ILogger logger, string name, string root, string directory);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Information, Message = "Download of {Name} ({Root}) complete: {Bytes} bytes verified, now seeding")]
    public static partial void DownloadComplete(ILogger logger, string name, string root, long bytes);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Warning, Message = "Download of {Root} failed: {Reason}")]
    public static partial void DownloadFailed(ILogger logger, string root, string reason);

    [LoggerMessage(EventId = 8005, Level = LogLevel.Warning, Message = "Dropped peer {Peer} from download {Root}: {Reason}")]
    public static partial void PeerDropped(ILogger logger, string peer, string root, string reason);

    [LoggerMessage(EventId = 8006, Level = LogLevel.Debug, Message = "Peer {Peer} sent {Count} block(s) of {Root} that failed verification")]
    public static partial void BlocksRejected(ILogger logger, string peer, string root, int count);

    [LoggerMessage(EventId = 8007, Level = LogLevel.Debug, Message = "Metadata of {Root} from {Peer} refused: {Reason}")]
    public static partial void MetadataRefused(ILogger logger, string root, string peer, string reason);

    [LoggerMessage(EventId = 8008, Level = LogLevel.Error, Message = "File-share background work failed")]
    public static partial void BackgroundFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8009, Level = LogLevel.Warning, Message = "Could not announce {Root} through content routing: {Reason}")]
    public static partial void ProvideFailed(ILogger logger, string root, string reason);

    [LoggerMessage(EventId = 8010, Level = LogLevel.Warning, Message = "Skipped a saved share or download that no longer loads: {Reason}")]
    public static partial void StateEntrySkipped(ILogger logger, string reason);

    [LoggerMessage(EventId = 8011, Level = LogLevel.Debug, Message = "Request {Kind} to {Peer} for {Root} failed: {Reason}")]
    public static partial void RequestFailed(ILogger logger, string kind, string peer, string root, string reason);

    [LoggerMessage(EventId = 8012, Level = LogLevel.Debug, Message = "Found {Count} provider(s) of {Root}; {Active} peer(s) active")]
    public static partial void ProvidersFound(ILogger logger, string root, int count, int active);

    [LoggerMessage(EventId = 8013, Level = LogLevel.Error, Message = "Downloading {Root} from {Peer} failed unexpectedly")]
    public static partial void PeerFailed(ILogger logger, string peer, string root, Exception exception);
}
