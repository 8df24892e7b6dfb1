using System.Text.Json;
using MeshHost.Control;
using MeshHost.Host.Tests.Support;

namespace MeshHost.Host.Tests;

/// <summary>
/// A real <c>meshhost run</c> with the echo test plugin installed (through <c>Plugins:Directory</c> in
/// the data directory's meshhost.json), driven by <c>meshhost plugins ...</c> and the plugin's own CLI command.
/// </summary>
[Trait("Category", "Loopback")]
public sealed class PluginEndToEndTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new();
    private MeshHostProcess? _node;

    public void Dispose()
    {
        _node?.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task The_node_runs_its_plugins_and_the_cli_lists_unloads_reloads_and_calls_them()
    {
        string data = _directory.Combine("data");
        string plugins = _directory.Combine("plugins");
        PluginControlApiTests.CopyDirectory(Path.Combine(AppContext.BaseDirectory, "testplugins", "echo"), Path.Combine(plugins, "echo"));
        Directory.CreateDirectory(Path.Combine(plugins, "broken"));
        File.WriteAllText(Path.Combine(plugins, "broken", "plugin.json"), "{ not json");
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "meshhost.json"), $"{{\"Plugins\":{{\"Directory\":{JsonSerializer.Serialize(plugins, SettingsJson.Default.String)},\"HotReload\":false}}}}");

        _node = MeshHostProcess.Start("run", "--port", "0", "--listen", "127.0.0.1", "--lan-beacon", "off", "--data-dir", data);
        PluginsResponse list = await Eventually.GetAsync(
            async () =>
            {
                Assert.False(_node.HasExited, _node.Describe());
                CommandResult r = await MeshHostProcess.RunAsync("plugins", "list", "--json", "--data-dir", data);
                return r.ExitCode == 0 ? JsonSerializer.Deserialize(r.Output, ControlJsonContext.Default.PluginsResponse) : null;
            },
            Deadline,
            "'meshhost plugins list' answering",
            _node.Describe);
        Assert.Equal("running", list.Plugins.Single(p => p.Id == "test.echo").State);
        PluginResponse broken = list.Plugins.Single(p => p.Id == "broken");
        Assert.Equal("faulted", broken.State);
        Assert.Contains("plugin.json is not valid JSON", broken.Reason, StringComparison.Ordinal);

        CommandResult text = await CliAsync(0, "plugins", "list", "--data-dir", data);
        Assert.Contains("test.echo", text.Output, StringComparison.Ordinal);
        Assert.Contains("running", text.Output, StringComparison.Ordinal);

        CommandResult status = await CliAsync(0, "echo-status", "--data-dir", data);
        Assert.Contains("\"version\":\"1.0.0\"", status.Output, StringComparison.Ordinal);
        CommandResult item = await CliAsync(0, "echo-status", "--item", "abc", "--data-dir", data);
        Assert.Contains("{\"name\":\"abc\"}", item.Output, StringComparison.Ordinal);
        CommandResult words = await CliAsync(0, "echo-words", "a", "b c", "d", "--data-dir", data);
        Assert.Equal("a|b c|d", words.Output.Trim());
        CommandResult help = await CliAsync(0, "--help", "--data-dir", data);
        Assert.Contains("echo-status", help.Output, StringComparison.Ordinal);

        CommandResult unload = await CliAsync(0, "plugins", "unload", "test.echo", "--data-dir", data);
        Assert.Contains("test.echo 1.0.0 stopped: unloaded on request", unload.Output, StringComparison.Ordinal);
        CommandResult gone = await CliAsync(1, "echo-status", "--data-dir", data);
        Assert.Contains("not-found", gone.Output, StringComparison.Ordinal);

        await CliAsync(0, "plugins", "reload", "test.echo", "--data-dir", data);
        await CliAsync(0, "echo-status", "--data-dir", data);
        await CliAsync(1, "plugins", "load", "test.nothing", "--data-dir", data);
        await CliAsync(1, "plugins", "reload", "broken", "--data-dir", data);
        await CliAsync(2, "plugins", "load", "Not An Id", "--data-dir", data);

        await _node.TerminateAsync();
        Assert.True(await _node.WaitForExitAsync(Deadline) == 0, _node.Describe());
        await CliAsync(3, "plugins", "list", "--data-dir", data);
        CommandResult noNode = await CliAsync(3, "echo-status", "--data-dir", data);
        Assert.Contains("No node is running for data directory", noNode.Error, StringComparison.Ordinal);
    }

    private async Task<CommandResult> CliAsync(int expected, params string[] args)
    {
        CommandResult result = await MeshHostProcess.RunAsync(args);
        Assert.True(result.ExitCode == expected, $"expected exit code {expected}\n{result}\n{_node?.Describe()}");
        return result;
    }
}

/// <summary>Writes the test's meshhost.json without reflection-based JSON.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class SettingsJson : System.Text.Json.Serialization.JsonSerializerContext;
