using MeshHost.Mesh;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MeshHost.Hosting;

/// <summary>Owns the <see cref="MeshNode"/>: starts it with the host and disposes it (closing every session with a reason) on shutdown.</summary>
internal sealed class MeshNodeService : IHostedService, IAsyncDisposable
{
    private readonly MeshNodeOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<MeshNodeService> _logger;
    private MeshNode? _node;

    public MeshNodeService(MeshNodeOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<MeshNodeService>();
    }

    /// <summary>The running node.</summary>
    /// <exception cref="InvalidOperationException">The node has not started or has stopped.</exception>
    public MeshNode Node => _node ?? throw new InvalidOperationException("The mesh node is not running.");

    /// <summary>The options the node was started with.</summary>
    public MeshNodeOptions Options => _options;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // A failure propagates: the host logs it and 'meshhost run' exits with code 1.
        _node = await MeshNode.StartAsync(_options, _loggerFactory, cancellationToken).ConfigureAwait(false);
        HostLog.NodeStarted(_logger, _node.Id.ToShortString(), _node.LocalEndPoint.ToString(), _options.DataDirectory);
    }

    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        MeshNode? node = Interlocked.Exchange(ref _node, null);
        if (node is null)
        {
            return;
        }

        string id = node.Id.ToShortString();
        HostLog.NodeStopping(_logger, id);
        await node.DisposeAsync().ConfigureAwait(false);
        HostLog.NodeStopped(_logger, id);
    }
}
