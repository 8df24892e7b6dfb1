using System.Net;
using MeshHost.Dht;
using MeshHost.Transport.Network;

namespace MeshHost.Mesh.Tests.Nodes;

/// <summary>
/// Real mesh nodes on 127.0.0.1 in this process, each with its own temporary data directory, LAN
/// discovery off unless asked (and then on loopback only), torn down at the end of the test.
/// </summary>
internal sealed class TestNodes : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly List<MeshNode> _nodes = [];
    private int _created;
    private readonly string _root = Directory.CreateTempSubdirectory("meshhost-test-").FullName;

    public IReadOnlyList<MeshNode> Nodes => _nodes;

    public static DhtOptions FastDht => new() { RequestTimeout = TimeSpan.FromSeconds(1) };

    public async Task<MeshNode> StartAsync(
        MeshNode? seed = null,
        Func<MeshNodeOptions, MeshNodeOptions>? configure = null,
        IDatagramSocket? socket = null,
        string? dataDirectory = null,
        Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null)
    {
        var options = new MeshNodeOptions
        {
            DataDirectory = dataDirectory ?? Path.Combine(_root, $"node{Interlocked.Increment(ref _created) - 1}"),
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Bootstrap = seed is null ? [] : [seed.LocalEndPoint],
            LanBeaconAddress = null,
            Dht = FastDht,
            Socket = socket,
        };
        options = configure?.Invoke(options) ?? options;
        MeshNode node = await MeshNode.StartAsync(options, loggerFactory).WaitAsync(Timeout);
        lock (_nodes)
        {
            _nodes.Add(node);
        }

        return node;
    }

    public string DataDirectory(int index) => Path.Combine(_root, $"node{index}");

    public async Task StopAsync(MeshNode node)
    {
        _nodes.Remove(node);
        await node.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (MeshNode node in _nodes)
        {
            await node.DisposeAsync();
        }

        _nodes.Clear();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    /// <summary>Waits until <paramref name="from"/> has a ready session with <paramref name="to"/> that lists channel <paramref name="name"/>.</summary>
    public static Task WaitForChannelAsync(MeshNode from, MeshNode to, string name) =>
        WaitUntilAsync(
            () => from.GetReadyConnection(to.Id)?.TryGetRemoteChannel(name, out _) == true,
            $"{from.Id.ToShortString()} to learn that {to.Id.ToShortString()} opened '{name}'");

    /// <summary>Polls <paramref name="condition"/> until it holds, failing with <paramref name="what"/> after <see cref="Timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }

            await Task.Delay(20);
        }
    }
}
