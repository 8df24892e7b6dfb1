using MeshHost.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MeshHost.Plugins;

/// <summary>Where the control API finds the running node's plugins (null before they start and after they stop).</summary>
internal interface IPluginManagerAccessor
{
    PluginManager? Manager { get; }
}

/// <summary>
/// Runs the node's plugins: registered after <see cref="MeshNodeService"/>, so it starts them once
/// the node runs and (hosted services stop in reverse) stops and unloads them before the node stops.
/// </summary>
internal sealed class PluginHostService : IHostedService, IPluginManagerAccessor
{
    private readonly MeshNodeService _node;
    private readonly PluginSettings _settings;
    private readonly IConfiguration _configuration;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private PluginManager? _manager;

    public PluginHostService(MeshNodeService node, PluginSettings settings, IConfiguration configuration, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _node = node;
        _settings = settings;
        _configuration = configuration;
        _loggerFactory = loggerFactory;
        _time = time;
    }

    public PluginManager? Manager => Volatile.Read(ref _manager);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var manager = new PluginManager(
            new PluginEnvironment
            {
                Mesh = _node.Node,
                DataDirectory = _node.Options.DataDirectory,
                LoggerFactory = _loggerFactory,
                Time = _time,
                Configuration = _configuration,
                Options = _settings.Runtime,
            },
            new PluginManagerOptions { Directories = _settings.Directories, HotReload = _settings.HotReload });
        Volatile.Write(ref _manager, manager);

        // A plugin's failure is its own state, never the host's: StartAllAsync does not throw for one.
        await manager.StartAllAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _manager, null) is { } manager)
        {
            await manager.DisposeAsync().ConfigureAwait(false);
        }
    }
}
