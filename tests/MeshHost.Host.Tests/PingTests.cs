using System.Net;
using MeshHost.Control;
using MeshHost.Host.Tests.Support;
using MeshHost.Mesh;
using MeshHost.Ping;
using MeshHost.Sdk;
using Microsoft.Extensions.Logging.Abstractions;

namespace MeshHost.Host.Tests;

/// <summary>
/// <c>meshhost ping</c>'s runner between two real nodes on 127.0.0.1 in this process: every echoed
/// byte is checked, a corrupted echo and a peer without the echo channel are failures with a clear
/// reason, and the figures add up.
/// </summary>
[Trait("Category", "Loopback")]
public sealed class PingTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new();
    private readonly List<IDisposable> _channels = [];
    private readonly List<MeshNode> _nodes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (IDisposable channel in _channels)
        {
            channel.Dispose();
        }

        foreach (MeshNode node in _nodes)
        {
            await node.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task Every_byte_comes_back_and_the_figures_add_up()
    {
        (MeshNode a, PingResponse response) = await PingAsync(Echo, new PingSettings(Count: 40, Size: 20_000, Window: 4, Timeout), seed: 7);

        Assert.Equal(40, response.Echoed);
        Assert.Equal((0, 0, 0), (response.Corrupted, response.TimedOut, response.Failed));
        Assert.Null(response.FirstError);
        Assert.True(response.AlreadyConnected);
        Assert.Equal(7, response.Seed);
        Assert.Equal(40L * 20_000, response.BytesEchoed);
        Assert.True(response.ThroughputBytesPerSecond > 0);
        Assert.True(response.RttMinMs <= response.RttP50Ms && response.RttP50Ms <= response.RttP99Ms && response.RttP99Ms <= response.RttMaxMs, $"{response}");
        Assert.NotNull(response.FirstReplyMs);
        Assert.Equal(a.LocalEndPoint.ToString(), response.EndPoint);
        Assert.Equal("direct", response.Path);
        Assert.Null(response.Relay);
    }

    [Fact]
    public async Task An_empty_payload_is_echoed_too()
    {
        (_, PingResponse response) = await PingAsync(Echo, new PingSettings(Count: 3, Size: 0, Window: 1, Timeout), seed: 1);

        Assert.Equal(3, response.Echoed);
        Assert.Equal(0, response.BytesEchoed);
    }

    [Fact]
    public async Task A_corrupted_echo_is_a_failure_that_says_where()
    {
        RequestHandler<EchoRequest, EchoReply> flipOneBit = static (_, request, _) =>
        {
            byte[] changed = [.. request.Payload];
            changed[100] ^= 0x01;
            return ValueTask.FromResult(new EchoReply { Payload = changed });
        };
        (_, PingResponse response) = await PingAsync(flipOneBit, new PingSettings(Count: 5, Size: 1000, Window: 1, Timeout), seed: 3);

        Assert.Equal(0, response.Echoed);
        Assert.Equal(5, response.Corrupted);
        Assert.Contains("different bytes (first difference at offset 100", response.FirstError, StringComparison.Ordinal);
        Assert.Contains("seed 3", response.FirstError, StringComparison.Ordinal);
        Assert.Null(response.RttP50Ms);
        Assert.Equal(0, response.BytesEchoed);
    }

    [Fact]
    public async Task A_truncated_echo_is_a_failure_too()
    {
        (_, PingResponse response) = await PingAsync(
            static (_, request, _) => ValueTask.FromResult(new EchoReply { Payload = request.Payload[..^1] }),
            new PingSettings(Count: 2, Size: 64, Window: 1, Timeout),
            seed: 5);

        Assert.Equal(2, response.Corrupted);
        Assert.Contains("63 bytes back for 64 sent", response.FirstError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peer_without_the_echo_channel_is_a_clear_failure()
    {
        MeshNode a = await StartAsync(seed: null);
        MeshNode b = await StartAsync(seed: a);
        (IRequestChannel<EchoRequest, EchoReply> channel, IDisposable handler) = EchoService.Open(b);
        _channels.Add(handler);
        _channels.Add(channel);
        await WaitConnectedAsync(b, a);

        PingResponse response = await Runner(b, channel).RunAsync(a.Id, new PingSettings(Count: 2, Size: 10, Window: 1, Timeout), seed: 1, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(0, response.Echoed);
        Assert.Equal(2, response.Failed);
        Assert.Contains($"has not opened channel '{EchoService.ChannelName}'", response.FirstError, StringComparison.Ordinal);
    }

    [Fact]
    public void The_content_is_reproducible_from_the_seed_and_differs_per_request()
    {
        Assert.Equal(PingRunner.Payload(42, 3, 256), PingRunner.Payload(42, 3, 256));
        Assert.NotEqual(PingRunner.Payload(42, 3, 256), PingRunner.Payload(42, 4, 256));
        Assert.NotEqual(PingRunner.Payload(42, 3, 256), PingRunner.Payload(43, 3, 256));
        Assert.Empty(PingRunner.Payload(42, 0, 0));
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        double[] sorted = [.. Enumerable.Range(1, 100).Select(i => (double)i)];
        Assert.Equal(50, PingRunner.Percentile(sorted, 0.50));
        Assert.Equal(99, PingRunner.Percentile(sorted, 0.99));
        Assert.Equal(7, PingRunner.Percentile([7], 0.99));
        Assert.Null(PingRunner.Percentile([], 0.5));
    }

    [Theory]
    [InlineData(0, null, null, null, "--count is 1 to 100000; got 0.")]
    [InlineData(null, -1, null, null, "--size is 0 to")]
    [InlineData(null, PingSettings.MaxSize + 1, null, null, "--size is 0 to")]
    [InlineData(null, null, 17, null, "--window is 1 to 16; got 17.")]
    [InlineData(null, null, null, 0.0, "--timeout is more than 0")]
    [InlineData(null, null, null, 601.0, "--timeout is more than 0")]
    public void Out_of_range_settings_are_refused_with_the_range(int? count, int? size, int? window, double? timeout, string expected)
    {
        Assert.StartsWith(expected, PingSettings.Problem(count, size, window, timeout), StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_fill_in_and_the_window_never_exceeds_the_count()
    {
        Assert.Null(PingSettings.Problem(null, null, null, null));
        Assert.Equal(new PingSettings(PingSettings.DefaultCount, PingSettings.DefaultSize, 1, PingSettings.DefaultTimeout), PingSettings.From(null, null, null, null));
        Assert.Equal(2, PingSettings.From(2, 10, 8, 5).Window);
    }

    private static ValueTask<EchoReply> Echo(PeerId from, EchoRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new EchoReply { Payload = request.Payload });

    private static PingRunner Runner(MeshNode node, IRequestChannel<EchoRequest, EchoReply> channel) =>
        new(new MeshNodeControlAdapter(node), channel, TimeProvider.System, NullLogger.Instance);

    /// <summary>A answers with <paramref name="answer"/>; B pings it once A can answer.</summary>
    private async Task<(MeshNode A, PingResponse Response)> PingAsync(RequestHandler<EchoRequest, EchoReply> answer, PingSettings settings, int seed)
    {
        (MeshNode a, MeshNode b, IRequestChannel<EchoRequest, EchoReply> channel) = await PairAsync(answer);
        PingRunner runner = Runner(b, channel);
        await WaitForAnswerAsync(runner, a);
        return (a, await runner.RunAsync(a.Id, settings, seed, CancellationToken.None).WaitAsync(Timeout));
    }

    /// <summary>A answers with <paramref name="answer"/>; B, which joins through A, pings.</summary>
    private async Task<(MeshNode A, MeshNode B, IRequestChannel<EchoRequest, EchoReply> Channel)> PairAsync(RequestHandler<EchoRequest, EchoReply> answer)
    {
        MeshNode a = await StartAsync(seed: null);
        IRequestChannel<EchoRequest, EchoReply> answering = a.OpenRequestChannel<EchoRequest, EchoReply>(EchoService.ChannelName);
        _channels.Add(answering.Handle(answer));
        _channels.Add(answering);
        MeshNode b = await StartAsync(seed: a);
        (IRequestChannel<EchoRequest, EchoReply> asking, IDisposable handler) = EchoService.Open(b);
        _channels.Add(handler);
        _channels.Add(asking);
        await WaitConnectedAsync(b, a);
        return (a, b, asking);
    }

    private async Task<MeshNode> StartAsync(MeshNode? seed)
    {
        MeshNode node = await MeshNode.StartAsync(new MeshNodeOptions
        {
            DataDirectory = _directory.Combine($"node{_nodes.Count}"),
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Bootstrap = seed is null ? [] : [seed.LocalEndPoint],
            LanBeaconAddress = null,
        }).WaitAsync(Timeout);
        _nodes.Add(node);
        return node;
    }

    private static Task WaitConnectedAsync(MeshNode from, MeshNode to) => Eventually.GetAsync(
        () => Task.FromResult(from.Connected.FirstOrDefault(p => p.Id == to.LocalId)),
        Timeout,
        $"{from.Id.ToShortString()} connecting to {to.Id.ToShortString()}",
        () => string.Join(", ", from.Connected.Select(p => p.Id.ToString())));

    /// <summary>
    /// Until the answering node has heard that the asker opened the echo channel it cannot reply;
    /// waits for one reply of any content (a probe, not counted in the test's ping).
    /// </summary>
    private static Task WaitForAnswerAsync(PingRunner runner, MeshNode to) => Eventually.GetAsync(
        async () =>
        {
            PingResponse probe = await runner.RunAsync(to.Id, new PingSettings(1, 128, 1, TimeSpan.FromSeconds(5)), seed: 0, CancellationToken.None);
            return probe.Echoed + probe.Corrupted == 1 ? probe : null;
        },
        Timeout,
        $"a first echo from {to.Id.ToShortString()}",
        () => "");
}
