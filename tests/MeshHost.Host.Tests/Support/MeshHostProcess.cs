using System.Diagnostics;
using System.Text;

namespace MeshHost.Host.Tests.Support;

/// <summary>
/// The real <c>meshhost</c> executable as a child process, started with the same <c>dotnet</c> as
/// the test runner. Its output is captured for failure messages, and it is killed on dispose.
/// </summary>
internal sealed class MeshHostProcess : IDisposable
{
    /// <summary>How long a one-shot command (status, peers, ...) may take.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly string _commandLine;

    private MeshHostProcess(IReadOnlyList<string> args)
    {
        RequireLoopbackBeacons(args);
        string dll = Path.Combine(AppContext.BaseDirectory, "meshhost.dll");
        ProcessStartInfo start = new(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Hermetic: nothing from the developer's environment configures the nodes under test.
        foreach (string key in start.Environment.Keys.ToArray())
        {
            if (key.StartsWith("MESHHOST_", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(key);
            }
        }

        _commandLine = "meshhost " + string.Join(' ', args);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The <c>dotnet</c> that runs the tests (the SDK sets DOTNET_HOST_PATH; the test host runs under it).</summary>
    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path
        : "dotnet";

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static MeshHostProcess Start(params string[] args) => new(args);

    /// <summary>
    /// Nodes that tests and CI start beacon to loopback or not at all: a beacon to a LAN or broadcast
    /// address would leave this machine. (The NAT lab beacons inside its own namespaces; tests/lab checks that.)
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>run</c> was given a beacon address beyond loopback.</exception>
    internal static void RequireLoopbackBeacons(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] != "run")
        {
            return;
        }

        for (int i = 1; i < args.Count - 1; i++)
        {
            if (args[i] == "--lan-beacon" && System.Net.IPAddress.TryParse(args[i + 1], out System.Net.IPAddress? address) && !System.Net.IPAddress.IsLoopback(address))
            {
                throw new InvalidOperationException($"A test may not start a node that beacons to {address}: use --lan-beacon 127.0.0.1 or off.");
            }
        }
    }

    /// <summary>Runs a command to completion.</summary>
    public static async Task<CommandResult> RunAsync(params string[] args)
    {
        using MeshHostProcess process = Start(args);
        int code = await process.WaitForExitAsync(CommandTimeout);
        return new CommandResult(process._commandLine, code, process.Output, process.Error);
    }

    /// <summary>Waits for the process to exit; fails the test with its output if it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"'{_commandLine}' did not exit within {timeout.TotalSeconds} s.\n{Describe()}");
        }

        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a service manager would.</summary>
    public async Task TerminateAsync()
    {
        using Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().WaitAsync(CommandTimeout);
        Assert.True(kill.ExitCode == 0, $"kill -TERM {_process.Id} failed with {kill.ExitCode}.\n{Describe()}");
    }

    /// <summary>Sends SIGKILL: the process gets no chance to finish what it is writing.</summary>
    public void Kill() => _process.Kill(entireProcessTree: false);

    public string Describe() =>
        $"--- {_commandLine} (pid {_process.Id}{(_process.HasExited ? $", exit code {_process.ExitCode}" : ", running")})\n--- stdout:\n{Output}\n--- stderr:\n{Error}";

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }
}

/// <summary>A finished command: exit code and output, and a description for failure messages.</summary>
internal sealed record CommandResult(string CommandLine, int ExitCode, string Output, string Error)
{
    public override string ToString() => $"--- {CommandLine} (exit code {ExitCode})\n--- stdout:\n{Output}\n--- stderr:\n{Error}";
}
