using MeshHost.Hosting;
using MeshHost.Sdk;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MeshHost.Ping;

/// <summary>
/// Opens the echo request channel on every node, so that <c>meshhost ping</c> can check a path end
/// to end with real data. The answer is the request's bytes: no amplification, and the channel's
/// own bounds (message size, concurrent handlers) limit what a peer can make us do.
/// </summary>
internal sealed class EchoService : IHostedService, IDisposable
{
    /// <summary>The channel's name on the mesh.</summary>
    public const string ChannelName = "meshhost/echo";

    private readonly MeshNodeService _node;
    private readonly ILogger<EchoService> _logger;
    private IRequestChannel<EchoRequest, EchoReply>? _channel;
    private IDisposable? _handler;

    public EchoService(MeshNodeService node, ILogger<EchoService> logger)
    {
        _node = node;
        _logger = logger;
    }

    /// <summary>The open channel, to send echo requests on.</summary>
    /// <exception cref="InvalidOperationException">The service has not started or has stopped.</exception>
    public IRequestChannel<EchoRequest, EchoReply> Channel => _channel ?? throw new InvalidOperationException("The echo service is not running.");

    /// <summary>Opens the echo channel on <paramref name="mesh"/> and answers on it (also used by tests without a host).</summary>
    public static (IRequestChannel<EchoRequest, EchoReply> Channel, IDisposable Handler) Open(IMesh mesh)
    {
        IRequestChannel<EchoRequest, EchoReply> channel = mesh.OpenRequestChannel<EchoRequest, EchoReply>(ChannelName);
        IDisposable handler = channel.Handle(static (_, request, _) => ValueTask.FromResult(new EchoReply { Payload = request.Payload }));
        return (channel, handler);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        (_channel, _handler) = Open(_node.Node);
        PingLog.EchoOpened(_logger, ChannelName);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _handler, null)?.Dispose();
        Interlocked.Exchange(ref _channel, null)?.Dispose();
    }
}
