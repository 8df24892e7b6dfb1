using Microsoft.Extensions.Logging;

namespace MeshHost.Plugins;

/// <summary>The plugin runtime's and loader's log lines; event ids 6000-6099 are the plugins' and never change meaning. Each names the plugin.</summary>
internal static partial class PluginLog
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Plugin {PluginId} {Version} started")]
    public static partial void Started(ILogger logger, string pluginId, string version);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Error, Message = "Plugin {PluginId} did not start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string pluginId, string reason, Exception? exception);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Plugin {PluginId} stopped ({State}): {Reason}")]
    public static partial void Stopped(ILogger logger, string pluginId, PluginState state, string reason);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Plugin {PluginId} did not stop cleanly: {Reason}")]
    public static partial void StopFailed(ILogger logger, string pluginId, string reason, Exception? exception);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Debug, Message = "Plugin {PluginId} left {Count} resources open; released them")]
    public static partial void ReleasedLeftovers(ILogger logger, string pluginId, int count);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Plugin {PluginId}: releasing a resource failed")]
    public static partial void ReleaseFailed(ILogger logger, string pluginId, Exception exception);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "Plugin {PluginId}: {Source} threw (fault {Count} in the window)")]
    public static partial void HandlerFault(ILogger logger, string pluginId, string source, int count, Exception exception);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Error, Message = "Plugin {PluginId} faulted too often and is being stopped: {Reason}")]
    public static partial void FaultLimitExceeded(ILogger logger, string pluginId, string reason);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Error, Message = "Plugin {PluginId}: stopping after too many faults failed")]
    public static partial void FaultStopFailed(ILogger logger, string pluginId, Exception exception);

    [LoggerMessage(EventId = 6020, Level = LogLevel.Warning, Message = "Plugin {PluginId} in {Folder} was not loaded ({State}): {Reason}")]
    public static partial void NotLoaded(ILogger logger, string pluginId, string folder, PluginState state, string reason);

    [LoggerMessage(EventId = 6021, Level = LogLevel.Information, Message = "Plugin {PluginId} unloaded")]
    public static partial void Unloaded(ILogger logger, string pluginId);

    [LoggerMessage(EventId = 6022, Level = LogLevel.Information, Message = "Plugin folder {Folder} changed; reloading")]
    public static partial void Reloading(ILogger logger, string folder);

    [LoggerMessage(EventId = 6023, Level = LogLevel.Warning, Message = "Watching plugin folder {Folder} failed; hot reload is off for it")]
    public static partial void WatchFailed(ILogger logger, string folder, Exception exception);

    [LoggerMessage(EventId = 6024, Level = LogLevel.Error, Message = "Reloading plugin folder {Folder} failed")]
    public static partial void ReloadFailed(ILogger logger, string folder, Exception exception);

    [LoggerMessage(EventId = 6025, Level = LogLevel.Warning, Message = "The plugins directory {Directory} cannot be read: {Reason}")]
    public static partial void DirectoryUnreadable(ILogger logger, string directory, string reason);
}
