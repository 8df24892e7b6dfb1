using System.Net;
using MeshHost.Dht;
using MeshHost.Mesh;
using MeshHost.Sdk;
using Microsoft.Extensions.Configuration;

namespace MeshHost.Plugins.Tests.Support;

/// <summary>
/// A node on 127.0.0.1 (LAN discovery off) with a <see cref="PluginManager"/> over a temporary
/// plugins directory, and optionally a second plain node to talk to the plugins over the mesh.
/// </summary>
internal sealed class PluginHost : IAsyncDisposable
{
    private readonly List<MeshNode> _nodes = [];

    private PluginHost(PluginFolders folders)
    {
        Folders = folders;
    }

    public PluginFolders Folders { get; }

    public RecordingLoggerFactory Logs { get; } = new();

    public MeshNode Node => _nodes[0];

    public PluginManager Manager { get; private set; } = null!;

    /// <param name="runtime">The fault policy and timeouts.</param>
    /// <param name="hotReload">Watch the plugin folders (300 ms debounce).</param>
    /// <param name="settings">Configuration keys, such as <c>Plugins:test.faulty:Mode</c>.</param>
    public static async Task<PluginHost> CreateAsync(PluginRuntimeOptions? runtime = null, bool hotReload = false, params (string Key, string Value)[] settings)
    {
        var folders = new PluginFolders();
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
        var host = new PluginHost(folders);
        MeshNode node = await host.StartNodeAsync(Path.Combine(folders.Root, "data"), null);
        host.Manager = new PluginManager(
            new PluginEnvironment
            {
                Mesh = node,
                DataDirectory = folders.DataDirectory,
                LoggerFactory = host.Logs,
                Configuration = configuration,
                Options = runtime ?? new PluginRuntimeOptions(),
            },
            new PluginManagerOptions { Directories = [folders.Directory], HotReload = hotReload, ReloadDebounce = TimeSpan.FromMilliseconds(300) });
        return host;
    }

    /// <summary>A second node that joins the plugins' node.</summary>
    public async Task<MeshNode> StartPeerAsync()
    {
        MeshNode peer = await StartNodeAsync(Path.Combine(Folders.Root, "peer" + _nodes.Count), Node);
        await peer.Peers.ConnectAsync(Node.LocalId).WaitAsync(Eventually.Timeout);
        return peer;
    }

    public PluginStatus Status(string id) => Manager.Find(id) ?? throw new InvalidOperationException($"No plugin {id}.");

    public async Task<string> GetAsync(string id, string path)
    {
        ControlApiResponse response = await Manager.InvokeEndpointAsync(id, "GET", path, new Dictionary<string, string>(), ReadOnlyMemory<byte>.Empty).WaitAsync(Eventually.Timeout);
        Assert.True(response.StatusCode == 200, $"GET {path} of {id} answered {response.StatusCode}: {System.Text.Encoding.UTF8.GetString(response.Body.Span)}");
        return System.Text.Encoding.UTF8.GetString(response.Body.Span);
    }

    public async ValueTask DisposeAsync()
    {
        await Manager.DisposeAsync();
        foreach (MeshNode node in _nodes)
        {
            await node.DisposeAsync();
        }

        Folders.Dispose();
    }

    private async Task<MeshNode> StartNodeAsync(string dataDirectory, MeshNode? seed)
    {
        MeshNode node = await MeshNode.StartAsync(new MeshNodeOptions
        {
            DataDirectory = dataDirectory,
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Bootstrap = seed is null ? [] : [seed.LocalEndPoint],
            LanBeaconAddress = null,
            Dht = new DhtOptions { RequestTimeout = TimeSpan.FromSeconds(1) },
        }).WaitAsync(Eventually.Timeout);
        _nodes.Add(node);
        return node;
    }
}
