using System.Text.Json;
using MeshHost.Control;
using MeshHost.Host.Tests.Support;

namespace MeshHost.Host.Tests;

/// <summary>
/// Two real <c>meshhost run</c> processes on 127.0.0.1, driven only through the CLI: they find each
/// other, answer id, peers, status and dht find, and stop cleanly on SIGTERM.
/// </summary>
[Trait("Category", "Loopback")]
public sealed class EndToEndTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new();
    private readonly List<MeshHostProcess> _nodes = [];

    public void Dispose()
    {
        foreach (MeshHostProcess node in _nodes)
        {
            node.Dispose();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task Two_nodes_join_find_each_other_and_stop_cleanly()
    {
        string dirA = _directory.Combine("A");
        string dirB = _directory.Combine("B");

        MeshHostProcess a = StartNode(dirA);
        StatusResponse statusA = await WaitForStatusAsync(a, dirA);
        AssertLoopbackOnly(statusA);

        MeshHostProcess b = StartNode(dirB, "--bootstrap", $"127.0.0.1:{statusA.Port}");
        StatusResponse statusB = await WaitForStatusAsync(b, dirB);
        AssertLoopbackOnly(statusB);
        Assert.NotEqual(statusA.Id, statusB.Id);

        // What 'run' tells the user: the id, the bound endpoint and how to join with the real port.
        Assert.Contains($"Node {statusA.Id}", a.Output, StringComparison.Ordinal);
        Assert.Contains($"listening on   127.0.0.1:{statusA.Port} (UDP)", a.Output, StringComparison.Ordinal);
        Assert.Contains($"meshhost run --bootstrap 127.0.0.1:{statusA.Port} --data-dir other", a.Output, StringComparison.Ordinal);

        await WaitForPeersAsync(dirA, statusB.Id, present: true);
        await WaitForPeersAsync(dirB, statusA.Id, present: true);

        CommandResult idB = await CliAsync("id", "--data-dir", dirB);
        Assert.Equal(statusB.Id, idB.Output.Trim());
        CommandResult idJson = await CliAsync("id", "--json", "--data-dir", dirA);
        Assert.Equal(statusA.Id, Deserialize(idJson, ControlJsonContext.Default.IdResponse).Id);

        CommandResult find = await CliAsync("dht", "find", statusB.Id, "--json", "--data-dir", dirA);
        FindResponse found = Deserialize(find, ControlJsonContext.Default.FindResponse);
        Assert.True(found.Found, find.ToString());
        Assert.Contains($"127.0.0.1:{statusB.Port}", found.EndPoints);
        CommandResult findText = await CliAsync("dht", "find", statusB.Id, "--data-dir", dirA);
        Assert.Contains($"Found {statusB.Id}", findText.Output, StringComparison.Ordinal);

        CommandResult peersText = await CliAsync("peers", "--data-dir", dirA);
        Assert.Contains(statusB.Id, peersText.Output, StringComparison.Ordinal);
        Assert.Contains("PATH", peersText.Output, StringComparison.Ordinal);
        Assert.Contains("direct", peersText.Output, StringComparison.Ordinal);
        PeersResponse peersJson = Deserialize(await CliAsync("peers", "--json", "--data-dir", dirA), ControlJsonContext.Default.PeersResponse);
        PeerResponse toB = Assert.Single(peersJson.Peers, p => p.Id == statusB.Id);
        Assert.Equal(("direct", null, $"127.0.0.1:{statusB.Port}"), (toB.Path, toB.Relay, toB.EndPoint));

        // On loopback nothing is translated: no reflexive endpoint, and one reporter address is too few to classify.
        StatusResponse natA = Deserialize(await CliAsync("status", "--json", "--data-dir", dirA), ControlJsonContext.Default.StatusResponse);
        Assert.Equal(("unknown", null, null), (natA.Nat.Class, natA.Nat.ReflexiveEndPoint, natA.Nat.PubliclyReachable));
        Assert.Contains($"127.0.0.1:{statusA.Port}", natA.Nat.Candidates);
        Assert.False(natA.Nat.RelayServing);
        CommandResult statusText = await CliAsync("status", "--data-dir", dirA);
        Assert.Contains("NAT             unknown; reflexive unknown; reachability unknown", statusText.Output, StringComparison.Ordinal);
        Assert.Contains("Relay service   off", statusText.Output, StringComparison.Ordinal);

        CommandResult connect = await CliAsync("connect", statusB.Id, "--data-dir", dirA);
        Assert.Contains($"Connected to {statusB.Id} directly at 127.0.0.1:{statusB.Port}", connect.Output, StringComparison.Ordinal);

        // One node per data directory: a second 'run' on A's directory refuses.
        CommandResult second = await MeshHostProcess.RunAsync("run", "--port", "0", "--listen", "127.0.0.1", "--lan-beacon", "127.0.0.1", "--data-dir", dirA);
        Assert.True(second.ExitCode == 1, second.ToString());
        Assert.Contains("A node is already running for data directory", second.Error, StringComparison.Ordinal);

        await a.TerminateAsync();
        int exitCode = await a.WaitForExitAsync(Deadline);
        Assert.True(exitCode == 0, a.Describe());
        Assert.False(File.Exists(Path.Combine(dirA, "control.json")), a.Describe());
        Assert.True(File.Exists(Path.Combine(dirA, "control.token")));

        await WaitForPeersAsync(dirB, statusA.Id, present: false);

        CommandResult gone = await MeshHostProcess.RunAsync("status", "--data-dir", dirA);
        Assert.True(gone.ExitCode == 3, gone.ToString());
        Assert.Contains("No node is running for data directory", gone.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ping_echoes_checked_data_to_a_peer_and_fails_clearly_otherwise()
    {
        string dirA = _directory.Combine("PA");
        string dirB = _directory.Combine("PB");
        MeshHostProcess a = StartNode(dirA);
        StatusResponse statusA = await WaitForStatusAsync(a, dirA);
        MeshHostProcess b = StartNode(dirB, "--bootstrap", $"127.0.0.1:{statusA.Port}");
        StatusResponse statusB = await WaitForStatusAsync(b, dirB);
        await WaitForPeersAsync(dirA, statusB.Id, present: true);

        // The echo channel is announced once the session is up: the first answer may take a moment.
        CommandResult? last = null;
        PingResponse ping = await Eventually.GetAsync(
            async () =>
            {
                last = await MeshHostProcess.RunAsync("ping", statusB.Id, "--count", "10", "--size", "3000", "--window", "2", "--json", "--data-dir", dirA);
                return last.ExitCode == 0 ? Deserialize(last, ControlJsonContext.Default.PingResponse) : null;
            },
            Deadline,
            "a ping from A to B",
            () => $"{last}\n{Describe()}");
        Assert.Equal((10, 0, 0, 0), (ping.Echoed, ping.Corrupted, ping.TimedOut, ping.Failed));
        Assert.Equal(30_000, ping.BytesEchoed);
        Assert.Equal($"127.0.0.1:{statusB.Port}", ping.EndPoint);
        Assert.Equal("direct", ping.Path);

        CommandResult text = await CliAsync("ping", statusB.Id, "--count", "3", "--data-dir", dirA);
        Assert.Contains("3/3 x 1024 bytes intact; 0 corrupted", text.Output, StringComparison.Ordinal);
        Assert.Contains("round trip      min", text.Output, StringComparison.Ordinal);

        CommandResult self = await MeshHostProcess.RunAsync("ping", statusA.Id, "--data-dir", dirA);
        Assert.True(self.ExitCode == 2, self.ToString());
        Assert.Contains("this node's own id", self.Error, StringComparison.Ordinal);

        CommandResult badSize = await MeshHostProcess.RunAsync("ping", statusB.Id, "--size", "2000000", "--data-dir", dirA);
        Assert.True(badSize.ExitCode == 2, badSize.ToString());
        Assert.Contains("--size is 0 to", badSize.Error, StringComparison.Ordinal);

        string nobody = new('7', 64);
        CommandResult unknown = await MeshHostProcess.RunAsync("ping", nobody, "--timeout", "15", "--data-dir", dirA);
        Assert.True(unknown.ExitCode == 1, unknown.ToString());
        Assert.Contains("meshhost: ", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Tests_refuse_to_start_a_node_that_beacons_beyond_loopback()
    {
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => MeshHostProcess.Start("run", "--port", "0", "--lan-beacon", "255.255.255.255"));
        Assert.Contains("may not start a node that beacons to 255.255.255.255", e.Message, StringComparison.Ordinal);
        MeshHostProcess.RequireLoopbackBeacons(["run", "--lan-beacon", "127.0.0.1"]);
        MeshHostProcess.RequireLoopbackBeacons(["run", "--lan-beacon", "off"]);
    }

    [Fact]
    public async Task The_token_file_of_a_running_node_is_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only
        }

        string dir = _directory.Combine("T");
        MeshHostProcess node = StartNode(dir);
        await WaitForStatusAsync(node, dir);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "control.token")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
    }

    [Fact]
    public async Task The_demo_narrates_a_four_node_mesh_and_exits_0()
    {
        using MeshHostProcess demo = MeshHostProcess.Start("demo");
        int exitCode = await demo.WaitForExitAsync(Deadline);

        Assert.True(exitCode == 0, demo.Describe());
        foreach (string line in new[] { "bootstraps to A", "bootstraps to C", "up by id: found at 127.0.0.1:", "A dials D by id", "NODE", "LISTENING ON" })
        {
            Assert.True(demo.Output.Contains(line, StringComparison.Ordinal), $"'{line}' is missing.\n{demo.Describe()}");
        }
    }

    /// <summary>Every node a test starts listens on loopback and beacons to loopback only.</summary>
    private static void AssertLoopbackOnly(StatusResponse status)
    {
        Assert.Equal("127.0.0.1", status.ListenAddress);
        Assert.Equal("127.0.0.1", status.LanBeaconAddress);
        Assert.NotEqual(0, status.Port);
    }

    private MeshHostProcess StartNode(string dataDirectory, params string[] more)
    {
        MeshHostProcess node = MeshHostProcess.Start(["run", "--port", "0", "--listen", "127.0.0.1", "--lan-beacon", "127.0.0.1", "--data-dir", dataDirectory, .. more]);
        _nodes.Add(node);
        return node;
    }

    private async Task<StatusResponse> WaitForStatusAsync(MeshHostProcess node, string dataDirectory)
    {
        CommandResult? last = null;
        return await Eventually.GetAsync(
            async () =>
            {
                Assert.False(node.HasExited, $"The node exited before it answered.\n{node.Describe()}");
                last = await MeshHostProcess.RunAsync("status", "--json", "--data-dir", dataDirectory);
                return last.ExitCode == 0 ? Deserialize(last, ControlJsonContext.Default.StatusResponse) : null;
            },
            Deadline,
            $"'meshhost status' answering for {dataDirectory}",
            () => $"{last}\n{Describe()}");
    }

    private async Task WaitForPeersAsync(string dataDirectory, string peerId, bool present)
    {
        CommandResult? last = null;
        await Eventually.GetAsync(
            async () =>
            {
                last = await CliAsync("peers", "--json", "--data-dir", dataDirectory);
                PeersResponse peers = Deserialize(last, ControlJsonContext.Default.PeersResponse);
                return peers.Peers.Any(p => p.Id == peerId) == present ? peers : null;
            },
            Deadline,
            $"{peerId[..8]} {(present ? "appearing in" : "leaving")} the peers of {dataDirectory}",
            () => $"{last}\n{Describe()}");
    }

    private async Task<CommandResult> CliAsync(params string[] args)
    {
        CommandResult result = await MeshHostProcess.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"{result}\n{Describe()}");
        return result;
    }

    private static T Deserialize<T>(CommandResult result, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(result.Output, type) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            Assert.Fail($"Not the expected JSON: {e.Message}\n{result}");
            throw;
        }
    }

    private string Describe() => string.Join('\n', _nodes.Select(n => n.Describe()));
}
