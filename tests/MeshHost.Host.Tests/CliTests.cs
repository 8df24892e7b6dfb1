using MeshHost.Host.Tests.Support;

namespace MeshHost.Host.Tests;

/// <summary>The real executable's answers to bad input and to a missing node: clear messages and documented exit codes.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("status")]
    [InlineData("peers")]
    [InlineData("id")]
    [InlineData("dht", "find", "0000000000000000000000000000000000000000000000000000000000000001")]
    public async Task A_command_with_no_node_running_says_how_to_start_one(params string[] command)
    {
        CommandResult result = await MeshHostProcess.RunAsync([.. command, "--data-dir", _directory.Path]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"No node is running for data directory {_directory.Path}. Start one with: meshhost run --data-dir {_directory.Path}", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task A_stale_control_file_counts_as_no_node()
    {
        // A pid that cannot be running: above the kernel's pid_max.
        File.WriteAllText(_directory.Combine("control.json"), """{ "port": 1, "pid": 2147483600 }""");
        CommandResult result = await MeshHostProcess.RunAsync("status", "--json", "--data-dir", _directory.Path);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("No node is running", result.Error, StringComparison.Ordinal);
        Assert.Contains("which has exited", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nothex")]
    [InlineData("00112233")]
    public async Task Dht_find_with_a_bad_id_is_exit_code_2(string id)
    {
        CommandResult result = await MeshHostProcess.RunAsync("dht", "find", id, "--data-dir", _directory.Path);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"'{id}' is not a node id: a node id is 64 hex digits.", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nonsense", "The bootstrap address 'nonsense' is not HOST:PORT")]
    [InlineData("127.0.0.1:99999", "The bootstrap address '127.0.0.1:99999' is not HOST:PORT")]
    public async Task Run_with_a_bad_bootstrap_is_exit_code_2(string bootstrap, string message)
    {
        CommandResult result = await MeshHostProcess.RunAsync("run", "--bootstrap", bootstrap, "--port", "0", "--listen", "127.0.0.1", "--data-dir", _directory.Path);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--lan-beacon", "the-lan", "The LAN beacon address 'the-lan' is not an IP address or 'off'")]
    [InlineData("--listen", "everywhere", "The listen address 'everywhere' is not an IP address")]
    [InlineData("--port", "many", "many")]
    [InlineData("--config", "missing.json", "does not exist")]
    public async Task Run_with_a_bad_option_is_exit_code_2(string option, string value, string message)
    {
        CommandResult result = await MeshHostProcess.RunAsync("run", option, value, "--data-dir", _directory.Path);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("status", "--bogus")]
    [InlineData("dht", "find")]
    public async Task Unknown_commands_and_missing_arguments_are_exit_code_2(params string[] args)
    {
        CommandResult result = await MeshHostProcess.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--help' for usage.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_the_commands()
    {
        CommandResult result = await MeshHostProcess.RunAsync("--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (string command in new[] { "run", "id", "status", "peers", "connect", "dht", "demo" })
        {
            Assert.Contains("  " + command, result.Output, StringComparison.Ordinal);
        }
    }
}
