using System.Net;
using Microsoft.Extensions.Logging;

namespace MeshHost.Transport.Testing;

/// <summary>Log messages of <see cref="InMemoryNetwork"/>; event ids 1120-1129 are reserved for it.</summary>
internal static partial class InMemoryNetworkLog
{
    [LoggerMessage(EventId = 1120, Level = LogLevel.Error, Message = "The receiver of in-memory socket {LocalEndPoint} threw (fault {Count}); delivery continues")]
    public static partial void ReceiverFault(ILogger logger, IPEndPoint localEndPoint, long count, Exception exception);
}
