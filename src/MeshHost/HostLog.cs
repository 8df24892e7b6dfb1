using Microsoft.Extensions.Logging;

namespace MeshHost;

/// <summary>The host's log lines; event ids 5000-5099 are the host's and never change meaning.</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Node {NodeId} started on {EndPoint} (data directory {DataDirectory})")]
    public static partial void NodeStarted(ILogger logger, string nodeId, string endPoint, string dataDirectory);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Node {NodeId} stopping: closing its sessions")]
    public static partial void NodeStopping(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Node {NodeId} stopped")]
    public static partial void NodeStopped(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Control API listening on {EndPoint}; control file {ControlFile}")]
    public static partial void ControlApiListening(ILogger logger, string endPoint, string controlFile);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Removed the control file {ControlFile}")]
    public static partial void ControlFileRemoved(ILogger logger, string controlFile);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Warning, Message = "The control token file {TokenFile} was readable by others; made it owner-only")]
    public static partial void TokenFileTightened(ILogger logger, string tokenFile);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Warning, Message = "Could not remove the control file {ControlFile}")]
    public static partial void ControlFileRemoveFailed(ILogger logger, string controlFile, Exception exception);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Critical, Message = "Could not write the control file {ControlFile}; stopping, since no command could reach this node")]
    public static partial void ControlFileWriteFailed(ILogger logger, string controlFile, Exception exception);

    [LoggerMessage(EventId = 5020, Level = LogLevel.Warning, Message = "Rejected a control API request to {Path}: {Reason}")]
    public static partial void ControlRequestRejected(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 5021, Level = LogLevel.Error, Message = "Control API request {Method} {Path} failed")]
    public static partial void ControlRequestFailed(ILogger logger, string method, string path, Exception exception);
}
