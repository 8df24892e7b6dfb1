using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MeshHost.Bench.FileShare;

/// <summary>
/// A real <c>meshhost run</c> child process on 127.0.0.1 with its own data directory, and the CLI
/// commands run against it; killed on dispose. Uses the meshhost the solution's Release build wrote
/// (with its bundled plugins folder).
/// </summary>
internal sealed class BenchNode : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private BenchNode(string dataDirectory, Process process)
    {
        DataDirectory = dataDirectory;
        _process = process;
    }

    public string DataDirectory { get; }

    public int Port { get; private set; }

    public int ProcessId => _process.Id;

    /// <summary>src/MeshHost/bin/Release/net10.0/meshhost.dll, found by walking up to the repository root.</summary>
    public static string HostDll()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MeshHost.sln")))
            {
                string dll = Path.Combine(dir.FullName, "src", "MeshHost", "bin", "Release", "net10.0", "meshhost.dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing: build the solution in Release first.");
            }
        }

        throw new DirectoryNotFoundException("The repository root (MeshHost.sln) is not above the benchmark's folder.");
    }

    /// <summary>Starts a node, with the file-share settings given (JSON object text) and bootstrapped to <paramref name="bootstrap"/>, and waits until it answers.</summary>
    public static async Task<BenchNode> StartAsync(string dataDirectory, int? bootstrap, string fileShareSettings, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        await File.WriteAllTextAsync(Path.Combine(dataDirectory, "meshhost.json"), $$"""{ "Plugins": { "HotReload": false, "meshhost.fileshare": {{fileShareSettings}} } }""", cancellationToken).ConfigureAwait(false);
        List<string> args = ["run", "--port", "0", "--listen", "127.0.0.1", "--lan-beacon", "off", "--data-dir", dataDirectory];
        if (bootstrap is int port)
        {
            args.AddRange(["--bootstrap", string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}")]);
        }

        var node = new BenchNode(dataDirectory, Start(args, redirect: true));
        node._process.OutputDataReceived += (_, e) => node.Append(e.Data);
        node._process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            (int code, string output) = await node.RunAsync(["plugins", "list", "--json"], cancellationToken).ConfigureAwait(false);
            if (code == 0 && output.Contains("\"running\"", StringComparison.Ordinal))
            {
                (_, string status) = await node.RunAsync(["status", "--json"], cancellationToken).ConfigureAwait(false);
                using var document = JsonDocument.Parse(status);
                node.Port = document.RootElement.GetProperty("port").GetInt32();
                return node;
            }

            if (node._process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                string log = node.Log();
                node.Dispose();
                throw new InvalidOperationException($"The node in {dataDirectory} did not start:\n{log}");
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <c>meshhost ARGS --data-dir DIR</c> to completion.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        using Process process = Start([.. args, "--data-dir", DataDirectory], redirect: true);
        Task<string> output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (process.ExitCode, await output.ConfigureAwait(false) + await error.ConfigureAwait(false));
    }

    public string Log()
    {
        lock (_log)
        {
            return _log.ToString();
        }
    }

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
            // Already gone.
        }

        _process.Dispose();
    }

    private static Process Start(IReadOnlyList<string> args, bool redirect)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = redirect, RedirectStandardError = redirect };
        start.ArgumentList.Add(HostDll());
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (string key in start.Environment.Keys.ToArray())
        {
            if (key.StartsWith("MESHHOST_", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(key);
            }
        }

        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.Length < 1 << 20)
            {
                _log.AppendLine(line);
            }
        }
    }
}
