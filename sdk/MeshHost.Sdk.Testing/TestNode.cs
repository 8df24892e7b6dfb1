using System.Net;
using MeshHost.Mesh;
using MeshHost.Plugins;

namespace MeshHost.Sdk.Testing;

/// <summary>
/// One node of a <see cref="TestMesh"/>: a real <see cref="MeshNode"/> on the virtual network, and
/// the plugins loaded into it.
/// </summary>
/// <remarks>Thread-safe for reading; load and stop plugins from the test's flow.</remarks>
public sealed class TestNode
{
    private readonly TestMesh _mesh;
    private readonly Lock _sync = new();
    private readonly List<TestPlugin> _plugins = [];

    internal TestNode(TestMesh mesh, int index, MeshNode node, MeshNodeOptions options)
    {
        _mesh = mesh;
        Index = index;
        Node = node;
        DataDirectory = options.DataDirectory;
        TargetConnections = options.TargetConnections;
    }

    /// <summary>The node's position in <see cref="TestMesh.Nodes"/>.</summary>
    public int Index { get; }

    /// <summary>The node's id: what peers see as the sender of its messages.</summary>
    public PeerId Id => Node.LocalId;

    /// <summary>
    /// The node's mesh, as the host sees it (not through a plugin's context): open channels and
    /// topics here to play a peer that does not run the plugin, or one that sends what the plugin
    /// never would. What you open here is neither tracked nor fault-isolated; dispose it yourself or
    /// leave it to the mesh's disposal.
    /// </summary>
    public IMesh Mesh => Node;

    /// <summary>The node's counters: messages sent and received, dropped (malformed, unknown channel, too large, inbox full), handler faults, dials.</summary>
    public MeshCounters Counters => Node.GetStatus().Counters;

    /// <summary>The peers it has sessions with now.</summary>
    public IReadOnlyList<ConnectedPeer> ConnectedPeers => Node.Connected;

    /// <summary>The node's data directory (a plugin's is <c>plugins/&lt;id&gt;</c> under it), in the mesh's temporary folder.</summary>
    public string DataDirectory { get; }

    /// <summary>The plugins loaded into this node, in load order, stopped ones included.</summary>
    public IReadOnlyList<TestPlugin> Plugins
    {
        get
        {
            lock (_sync)
            {
                return [.. _plugins];
            }
        }
    }

    internal MeshNode Node { get; }

    internal IPEndPoint EndPoint => Node.LocalEndPoint;

    internal int TargetConnections { get; }

    /// <summary>The most recently loaded plugin of type <typeparamref name="TPlugin"/>.</summary>
    /// <exception cref="InvalidOperationException">None is loaded into this node.</exception>
    public TestPlugin<TPlugin> Plugin<TPlugin>()
        where TPlugin : IMeshPlugin
    {
        lock (_sync)
        {
            for (int i = _plugins.Count - 1; i >= 0; i--)
            {
                if (_plugins[i] is TestPlugin<TPlugin> plugin)
                {
                    return plugin;
                }
            }
        }

        throw new InvalidOperationException($"Node {Index} has no {typeof(TPlugin).Name} loaded.");
    }

    /// <summary>
    /// Creates a <typeparamref name="TPlugin"/> and starts it on this node through the host's plugin
    /// runtime; see <see cref="TestMesh.LoadPluginAsync{TPlugin}"/>. Loading the same id again after
    /// stopping it runs a fresh instance (a restart, as the host does on reload).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="pluginId"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">A plugin of this id is running on this node.</exception>
    /// <exception cref="TimeoutException">The start took longer than <see cref="TestMeshOptions.OperationTimeout"/> of virtual time.</exception>
    public async Task<TestPlugin<TPlugin>> LoadPluginAsync<TPlugin>(string pluginId, IReadOnlyDictionary<string, string?>? configuration = null, CancellationToken cancellationToken = default)
        where TPlugin : IMeshPlugin, new()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        foreach (TestPlugin loaded in Plugins)
        {
            if (loaded.Id == pluginId && loaded.State is PluginState.Loaded or PluginState.Running)
            {
                throw new InvalidOperationException($"Plugin {pluginId} is already running on node {Index}; stop it first.");
            }
        }

        var plugin = new TPlugin();
        var manifest = new PluginManifest
        {
            Id = pluginId,
            Version = plugin.Version,
            Assembly = Path.GetFileName(typeof(TPlugin).Assembly.Location),
            MinimumSdkVersion = SdkVersion.Current,
        };
        var environment = new PluginEnvironment
        {
            Mesh = Node,
            DataDirectory = DataDirectory,
            LoggerFactory = _mesh.Options.LoggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
            Time = _mesh.Time,
            Configuration = Section(pluginId, configuration),
            Options = _mesh.Options.PluginRuntime,
        };
        var instance = new PluginInstance(manifest, plugin, environment);
        var test = new TestPlugin<TPlugin>(_mesh, this, instance);
        lock (_sync)
        {
            _plugins.Add(test);
        }

        await _mesh.WaitAsync(instance.StartAsync(cancellationToken), _mesh.Options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        return test;
    }

    internal async Task StopPluginsAsync()
    {
        List<TestPlugin> plugins;
        lock (_sync)
        {
            plugins = [.. _plugins];
        }

        // Newest first, as the host stops them, so a plugin stops before those it depends on.
        for (int i = plugins.Count - 1; i >= 0; i--)
        {
            await plugins[i].StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The host configuration the runtime reads <c>Plugins:&lt;id&gt;</c> from.</summary>
    private static MemoryConfiguration? Section(string pluginId, IReadOnlyDictionary<string, string?>? configuration)
    {
        if (configuration is null)
        {
            return null;
        }

        var values = new List<KeyValuePair<string, string?>>(configuration.Count);
        foreach ((string key, string? value) in configuration)
        {
            values.Add(new($"Plugins:{pluginId}:{key}", value));
        }

        return new MemoryConfiguration(values);
    }
}
