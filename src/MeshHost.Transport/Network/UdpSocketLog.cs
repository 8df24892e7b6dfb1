using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace MeshHost.Transport.Network;

/// <summary>Log messages of <see cref="UdpDatagramSocket"/>; event ids 1100-1119 are reserved for it.</summary>
internal static partial class UdpSocketLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "UDP socket bound to {LocalEndPoint} (dual-stack: {DualStack}, don't-fragment: {DontFragment})")]
    public static partial void Bound(ILogger logger, IPEndPoint localEndPoint, bool dualStack, bool dontFragment);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "UDP socket option {Option} could not be set; continuing without it")]
    public static partial void OptionFailed(ILogger logger, string option, Exception exception);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "UDP send of {Length} bytes failed: {Error}")]
    public static partial void SendFailed(ILogger logger, int length, SocketError error);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Debug, Message = "UDP receive reported {Error}; continuing")]
    public static partial void ReceiveError(ILogger logger, SocketError error);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "UDP receive failed with {Error}; continuing")]
    public static partial void UnexpectedReceiveError(ILogger logger, SocketError error);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Critical, Message = "UDP receive on {LocalEndPoint} failed {Count} times in a row; the receive loop stops")]
    public static partial void ReceiveLoopAbandoned(ILogger logger, IPEndPoint localEndPoint, int count, Exception exception);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Error, Message = "The datagram receiver threw (fault {Count}); the socket keeps receiving")]
    public static partial void ReceiverFault(ILogger logger, long count, Exception exception);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "The UDP receive thread did not stop within {Timeout}")]
    public static partial void ReceiveThreadDidNotStop(ILogger logger, TimeSpan timeout);
}
