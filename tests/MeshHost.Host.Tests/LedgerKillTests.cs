using System.Net.Http.Headers;
using System.Text.Json;
using MeshHost.Control;
using MeshHost.Host.Tests.Support;

namespace MeshHost.Host.Tests;

/// <summary>
/// The ledger's crash safety with a real SIGKILL: a <c>meshhost run</c> node mining proof of work
/// continuously is killed three times while it commits blocks and restarted on the same data
/// directory. The in-process CrashTests close the connection at chosen steps of a commit; this
/// proves the same of the real process, the real file and the OS dropping it mid-write.
/// </summary>
[Trait("Category", "Loopback")]
public sealed class LedgerKillTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private const long GenesisFunds = 1_000_000;
    private const long Reward = 50;
    private const string Funded = "1111111111111111111111111111111111111111111111111111111111111111";
    private const string Recipient = "2222222222222222222222222222222222222222222222222222222222222222";

    private readonly TempDirectory _directory = new();
    private MeshHostProcess? _node;

    public void Dispose()
    {
        _node?.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_mining_node_killed_during_block_commits_restarts_on_a_valid_chain_with_conserved_balances_and_mines_on()
    {
        string data = _directory.Combine("data");
        // The bundled plugins folder as the build leaves it (the ledger's native SQLite libraries under runtimes/ included).
        string plugins = BundledPluginsFolder();
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "meshhost.json"), $$$"""
            {"Plugins":{"Directory":{{{JsonSerializer.Serialize(plugins, SettingsJson.Default.String)}}},"HotReload":false,
             "meshhost.ledger":{"Consensus":"pow","PowBits":"4","BlockIntervalSeconds":"1","Produce":"true",
              "BlockReward":"{{{Reward}}}","Genesis":{"{{{Funded}}}":"{{{GenesisFunds}}}" } } } }
            """);

        long killedAt = -1;

        // Each round: start, wait for a valid restart and for mining past the height seen before the
        // kill, move some funds (fees and amounts), then kill while the next blocks are committing.
        // The kill moments differ: right after a new block appears, after a transfer is queued, and
        // after several blocks in a row, so the SIGKILL lands at different points of the commit loop.
        for (int round = 0; round < 4; round++)
        {
            _node = MeshHostProcess.Start("run", "--port", "0", "--listen", "127.0.0.1", "--lan-beacon", "off", "--data-dir", data);
            using HttpClient client = await ConnectAsync(data, _node);

            JsonElement status = await CliStatusAsync(data);
            Assert.True(status.GetProperty("height").GetInt64() >= Math.Max(0, killedAt - 1), $"restart lost more than the block being committed: {status}\n{_node.Describe()}");
            await AssertConsistentAsync(client, status.GetProperty("height").GetInt64());

            long target = Math.Max(killedAt, 1) + 2;
            long height = await WaitForHeightAsync(client, target);

            // A transfer from the node's rewards, so the next blocks carry amounts and fees.
            using (HttpResponseMessage send = await client.PostAsync(Ledger("transfers"), new StringContent($$"""{"to":"{{Recipient}}","amount":7,"fee":3}""")).WaitAsync(Deadline))
            {
                Assert.True(send.IsSuccessStatusCode, $"send: {(int)send.StatusCode} {await send.Content.ReadAsStringAsync()}\n{_node.Describe()}");
            }

            if (round == 3)
            {
                // Last round: the transfer is mined, everything validates, and the node stops cleanly.
                await Eventually.GetAsync(
                    async () => (await GetAsync(client, "balance/" + Recipient)).GetProperty("balance").GetInt64() > 0 ? "" : null,
                    Deadline,
                    "the transfer being mined",
                    _node.Describe);
                await AssertConsistentAsync(client, await HeightAsync(client));
                await _node.TerminateAsync();
                Assert.True(await _node.WaitForExitAsync(Deadline) == 0, _node.Describe());
                break;
            }

            // Kill at a different moment of the mining loop each round.
            long killAfter = height + round + 1;
            killedAt = await WaitForHeightAsync(client, killAfter);
            _node.Kill();
            Assert.True(await _node.WaitForExitAsync(Deadline) != 0, _node.Describe());
            _node.Dispose();
            _node = null;
        }
    }

    /// <summary>Walks the main chain from genesis: contiguous heights, each block naming its parent's hash; then the supply.</summary>
    private async Task AssertConsistentAsync(HttpClient client, long atLeast)
    {
        // The node keeps mining while this reads, so the walk goes up to the height of one balance snapshot.
        Tuple<long, long> snapshot = await Eventually.GetAsync(
            async () =>
            {
                long[] heights = new long[3];
                long total = 0;
                string[] accounts = [Funded, Recipient, (await GetAsync(client, "status")).GetProperty("self").GetString()!];
                for (int i = 0; i < accounts.Length; i++)
                {
                    JsonElement balance = await GetAsync(client, "balance/" + accounts[i]);
                    heights[i] = balance.GetProperty("height").GetInt64();
                    total += balance.GetProperty("balance").GetInt64();
                }

                return heights.All(h => h == heights[0]) ? Tuple.Create(heights[0], total) : null;
            },
            Deadline,
            "a balance snapshot at one height",
            _node!.Describe);
        (long height, long sum) = snapshot;

        Assert.True(height >= atLeast, $"height {height} below the reported tip {atLeast}");
        Assert.Equal(GenesisFunds + (Reward * height), sum);

        string previous = new('0', 64);
        for (long n = 0; n <= height; n++)
        {
            JsonElement block = await GetAsync(client, "blocks/" + n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(n, block.GetProperty("height").GetInt64());
            Assert.True(previous == block.GetProperty("previous").GetString(), $"block {n} does not link to block {n - 1}: {block}");
            previous = block.GetProperty("hash").GetString()!;
        }
    }

    private async Task<long> WaitForHeightAsync(HttpClient client, long height)
    {
        Tuple<long> reached = await Eventually.GetAsync(
            async () => await HeightAsync(client) is var h && h >= height ? Tuple.Create(h) : null,
            Deadline,
            $"mining to height {height}",
            _node!.Describe);
        return reached.Item1;
    }

    private async Task<long> HeightAsync(HttpClient client) => (await GetAsync(client, "status")).GetProperty("height").GetInt64();

    private async Task<JsonElement> CliStatusAsync(string data)
    {
        CommandResult result = await MeshHostProcess.RunAsync("ledger", "status", "--data-dir", data);
        Assert.True(result.ExitCode == 0, $"{result}\n{_node!.Describe()}");
        using JsonDocument document = JsonDocument.Parse(result.Output);
        return document.RootElement.Clone();
    }

    private async Task<JsonElement> GetAsync(HttpClient client, string path)
    {
        using HttpResponseMessage response = await client.GetAsync(Ledger(path)).WaitAsync(Deadline);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}\n{_node!.Describe()}");
        using JsonDocument document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    private static string Ledger(string path) => "v1/plugins/meshhost.ledger/" + path;

    /// <summary>Waits for this process's control file (a killed one leaves its own behind) and the ledger answering.</summary>
    private static async Task<HttpClient> ConnectAsync(string data, MeshHostProcess node)
    {
        ControlFile file = await Eventually.GetAsync(
            () =>
            {
                Assert.False(node.HasExited, node.Describe());
                return Task.FromResult(ControlFileStore.TryRead(data) is { } f && f.Pid == node.Id ? f : null);
            },
            Deadline,
            "the node publishing its control port",
            node.Describe);
        string token = File.ReadAllText(Path.Combine(data, "control.token")).Trim();
        HttpClient client = new() { BaseAddress = new Uri($"http://127.0.0.1:{file.Port}/"), Timeout = Deadline };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await Eventually.GetAsync(
            async () =>
            {
                Assert.False(node.HasExited, node.Describe());
                using HttpResponseMessage r = await client.GetAsync(Ledger("status"));
                return r.IsSuccessStatusCode ? "" : null;
            },
            Deadline,
            "the ledger plugin answering",
            node.Describe);
        return client;
    }

    /// <summary>plugins/ next to the meshhost of this configuration (tests run from tests/X/bin/CONFIG/TFM/).</summary>
    private static string BundledPluginsFolder()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string repository = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        string folder = Path.Combine(repository, "src", "MeshHost", "bin", output.Parent.Name, output.Name, "plugins");
        Assert.True(File.Exists(Path.Combine(folder, "meshhost.ledger", "plugin.json")), $"no bundled ledger plugin in {folder}");
        return folder;
    }
}
