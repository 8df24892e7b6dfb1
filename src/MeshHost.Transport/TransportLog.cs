using System.Net;
using Microsoft.Extensions.Logging;

namespace MeshHost.Transport;

/// <summary>The transport's log lines, with stable event ids (1000-1099).</summary>
internal static partial class TransportLog
{
    [LoggerMessage(1000, LogLevel.Information, "Session with {Peer} at {Remote} established ({Role})")]
    public static partial void SessionEstablished(ILogger logger, string peer, IPEndPoint remote, string role);

    [LoggerMessage(1001, LogLevel.Information, "Session with {Peer} closed: {Reason}")]
    public static partial void SessionClosed(ILogger logger, string peer, string reason);

    [LoggerMessage(1002, LogLevel.Information, "Session with {Peer} moved to {Remote}")]
    public static partial void SessionMigrated(ILogger logger, string peer, IPEndPoint remote);

    [LoggerMessage(1003, LogLevel.Warning, "Handshake with {Remote} rejected: {Failure}")]
    public static partial void HandshakeRejected(ILogger logger, IPEndPoint remote, string failure);

    [LoggerMessage(1004, LogLevel.Error, "Handler for {Peer} threw; the transport carries on")]
    public static partial void HandlerFault(ILogger logger, string peer, Exception exception);

    [LoggerMessage(1005, LogLevel.Critical, "Session with {Peer} failed internally and was closed: {Where}")]
    public static partial void SessionFault(ILogger logger, string peer, string where, Exception exception);

    [LoggerMessage(1006, LogLevel.Critical, "Endpoint maintenance failed; it will run again")]
    public static partial void MaintenanceFault(ILogger logger, Exception exception);
}
