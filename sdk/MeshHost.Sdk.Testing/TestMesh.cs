using System.Net;
using MeshHost.Dht;
using MeshHost.Mesh;
using MeshHost.Transport.Testing;

namespace MeshHost.Sdk.Testing;

/// <summary>
/// An in-memory mesh for testing a plugin: real <see cref="MeshNode"/>s on one virtual network
/// (no sockets) and one manual clock, bootstrapped to each other with LAN discovery off, each with
/// its own data directory in a temporary folder. Load the plugin under test into every node with
/// <see cref="LoadPluginAsync{TPlugin}"/>; move time with <see cref="AdvanceAsync"/> and
/// <see cref="WaitUntilAsync"/>; break links with <see cref="Partition"/>, <see cref="Isolate"/> and
/// <see cref="SetLossRate"/>. Dispose it at the end of the test (<c>await using</c>).
/// </summary>
/// <remarks>
/// <para>
/// Time stands still unless the test moves it: nothing that waits on the clock (timers, delays,
/// request timeouts, retransmissions, gossip heartbeats) happens by itself. The kit's own operations
/// (start, load, stop, <see cref="TestPlugin.InvokeAsync"/>) move the clock until they complete. To
/// await an operation of your own that needs the mesh to make progress (a request, a connect),
/// pass it to <see cref="WaitAsync(Task, TimeSpan, CancellationToken)"/> instead of awaiting it
/// directly, or it waits forever.
/// </para>
/// <para>
/// Moving the clock is one thing at a time: call the kit's time-moving members from the test's own
/// flow, one after another, not concurrently. Reading nodes, plugins and counters is thread-safe.
/// </para>
/// </remarks>
public sealed partial class TestMesh : IAsyncDisposable
{
    /// <summary>
    /// How long <see cref="LoadPluginAsync{TPlugin}"/> moves the clock after starting the plugins, so
    /// that every node's channel announcements reach the others on perfect links: 100 ms.
    /// </summary>
    public static readonly TimeSpan ChannelAnnouncementTime = TimeSpan.FromMilliseconds(100);

    private readonly ManualTimeProvider _time = new();
    private readonly TestMeshOptions _options;
    private readonly string _root = Directory.CreateTempSubdirectory("meshhost-kit-").FullName;
    private readonly List<TestNode> _nodes = [];
    private bool _disposed;

    private TestMesh(TestMeshOptions options)
    {
        _options = options;
        Network = new InMemoryNetwork(_time, options.Seed);
    }

    /// <summary>The nodes, in the order they were started; <see cref="TestNode.Index"/> is the position here.</summary>
    public IReadOnlyList<TestNode> Nodes => _nodes;

    /// <summary>The node at <paramref name="index"/>.</summary>
    public TestNode this[int index] => _nodes[index];

    /// <summary>The clock every node and plugin runs on; it moves only through the kit.</summary>
    public TimeProvider Time => _time;

    /// <summary>How much virtual time has passed since the mesh was created.</summary>
    public TimeSpan Elapsed => _time.GetUtcNow() - ManualTimeProvider.DefaultStart;

    /// <summary>The virtual network, for conditions the kit's members do not cover (per-link latency, duplication, reordering).</summary>
    public InMemoryNetwork Network { get; }

    /// <summary>The options the mesh was built with.</summary>
    public TestMeshOptions Options => _options;

    /// <summary>
    /// Starts <paramref name="nodeCount"/> nodes, each bootstrapped to the ones before it, and waits
    /// (in virtual time) until every node has a session with every other (up to the connection
    /// manager's target of 8 peers).
    /// </summary>
    /// <param name="nodeCount">1 or more.</param>
    /// <param name="options">Null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the start; the nodes started so far are disposed.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nodeCount"/> is less than 1, or an option is out of range.</exception>
    /// <exception cref="TimeoutException">The nodes did not connect within <see cref="TestMeshOptions.OperationTimeout"/> of virtual time.</exception>
    public static async Task<TestMesh> StartAsync(int nodeCount, TestMeshOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        options ??= new TestMeshOptions();
        options.Validate();
        var mesh = new TestMesh(options);
        try
        {
            for (int i = 0; i < nodeCount; i++)
            {
                await mesh.StartNodeAsync(cancellationToken).ConfigureAwait(false);
            }

            await mesh.WaitUntilConnectedAsync(cancellationToken).ConfigureAwait(false);
            return mesh;
        }
        catch
        {
            await mesh.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts one more node, bootstrapped to every node already there, and waits until it is
    /// connected. Plugins loaded earlier are not loaded into it: call <see cref="TestNode.LoadPluginAsync{TPlugin}"/>.
    /// </summary>
    /// <exception cref="TimeoutException">It did not connect within <see cref="TestMeshOptions.OperationTimeout"/> of virtual time.</exception>
    public async Task<TestNode> AddNodeAsync(CancellationToken cancellationToken = default)
    {
        TestNode node = await StartNodeAsync(cancellationToken).ConfigureAwait(false);
        await WaitUntilConnectedAsync(cancellationToken).ConfigureAwait(false);
        return node;
    }

    /// <summary>
    /// Loads a new <typeparamref name="TPlugin"/> into every node and starts it through the host's
    /// plugin runtime (its services, its data directory under the node's, its tracked and
    /// fault-isolated context), as the host would after loading its assembly.
    /// </summary>
    /// <param name="pluginId">The id its plugin.json gives; its configuration section is <c>Plugins:&lt;id&gt;</c>.</param>
    /// <param name="configuration">The plugin's configuration section, keys relative to it (<c>"IntervalSeconds"</c>, <c>"Peers:0"</c>); null for none.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>
    /// The plugin on each node, in node order, once every node has learned the channels the others
    /// opened (the kit moves the clock <see cref="ChannelAnnouncementTime"/> for that). Check
    /// <see cref="TestPlugin.State"/>: a plugin that fails to start is <c>Faulted</c>, not an exception.
    /// </returns>
    public async Task<IReadOnlyList<TestPlugin<TPlugin>>> LoadPluginAsync<TPlugin>(string pluginId, IReadOnlyDictionary<string, string?>? configuration = null, CancellationToken cancellationToken = default)
        where TPlugin : IMeshPlugin, new()
    {
        var plugins = new List<TestPlugin<TPlugin>>(_nodes.Count);
        foreach (TestNode node in _nodes)
        {
            plugins.Add(await node.LoadPluginAsync<TPlugin>(pluginId, configuration, cancellationToken).ConfigureAwait(false));
        }

        // A channel opened after peers connected reaches them one control message later (until then
        // sends to it fail with ChannelNotOpenedByPeer): let every node learn what the others opened.
        await AdvanceAsync(ChannelAnnouncementTime, cancellationToken).ConfigureAwait(false);
        return plugins;
    }

    /// <summary>
    /// Stops every plugin (as the host does at shutdown, moving the clock so stop timeouts can pass),
    /// then every node, and deletes the temporary folder.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (TestNode node in _nodes)
        {
            await node.StopPluginsAsync().ConfigureAwait(false);
        }

        foreach (TestNode node in _nodes)
        {
            await WaitAsync(node.Node.DisposeAsync().AsTask(), _options.OperationTimeout, CancellationToken.None).ConfigureAwait(false);
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a temporary folder left behind fails no test.
        }
    }

    private async Task<TestNode> StartNodeAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int index = _nodes.Count;
        var bootstrap = new List<IPEndPoint>(index);
        foreach (TestNode existing in _nodes)
        {
            bootstrap.Add(existing.EndPoint);
        }

        var options = new MeshNodeOptions
        {
            DataDirectory = Path.Combine(_root, "node" + index),
            Socket = Network.CreateSocket(),
            TimeProvider = _time,
            Bootstrap = bootstrap,
            LanBeaconAddress = null,
            Dht = new DhtOptions { RequestTimeout = TimeSpan.FromSeconds(1) },
        };
        options = _options.ConfigureNode?.Invoke(options) ?? options;
        MeshNode meshNode = await WaitAsync(MeshNode.StartAsync(options, _options.LoggerFactory, cancellationToken), _options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        var node = new TestNode(this, index, meshNode, options);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Every node has a session with every other, up to its target number of peers.</summary>
    private Task WaitUntilConnectedAsync(CancellationToken cancellationToken)
    {
        int peers = _nodes.Count - 1;
        return WaitUntilAsync(
            () =>
            {
                foreach (TestNode node in _nodes)
                {
                    if (node.Node.Connected.Count < Math.Min(peers, node.TargetConnections))
                    {
                        return false;
                    }
                }

                return true;
            },
            _options.OperationTimeout,
            $"all {_nodes.Count} nodes to connect to each other",
            cancellationToken);
    }
}
