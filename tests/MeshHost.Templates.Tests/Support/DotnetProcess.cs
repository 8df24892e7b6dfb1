using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MeshHost.Templates.Tests.Support;

/// <summary>
/// A child process of the <c>dotnet</c> that runs the tests. Its output is captured for failure
/// messages; it is killed with its children when it overruns its timeout or is disposed.
/// </summary>
internal sealed class DotnetProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private DotnetProcess(string workingDirectory, IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment)
    {
        ProcessStartInfo start = new(DotnetHost)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Isolate(start.Environment);
        if (environment is not null)
        {
            foreach ((string key, string? value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        CommandLine = "dotnet " + string.Join(' ', args);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The <c>dotnet</c> that runs the tests (the SDK sets DOTNET_HOST_PATH; the test host runs under it).</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path
        : "dotnet";

    public string CommandLine { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output => Read(_stdout);

    public string Error => Read(_stderr);

    /// <param name="environment">Variables to set (a null value removes one) on top of the isolated environment.</param>
    public static DotnetProcess Start(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] args) =>
        new(workingDirectory, args, environment);

    /// <summary>Runs a command to completion; fails the test if it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<CommandResult> RunAsync(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        using DotnetProcess process = Start(workingDirectory, environment, args);
        int exitCode = await process.WaitForExitAsync(timeout);
        return new CommandResult(process.CommandLine, exitCode, process.Output, process.Error);
    }

    /// <summary>Waits for the exit (and the end of the output); on timeout kills the process tree and fails with its output.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using CancellationTokenSource deadline = new(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            Assert.Fail($"'{CommandLine}' did not exit within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s and was killed.\n{Describe()}");
        }

        return _process.ExitCode;
    }

    public string Describe() =>
        $"--- {CommandLine} (pid {_process.Id}{(_process.HasExited ? $", exit code {_process.ExitCode}" : ", running")})\n--- stdout:\n{Output}\n--- stderr:\n{Error}";

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>
    /// Nothing from the outer build or the developer's shell steers the child: MSBuild variables that
    /// `dotnet test` leaves behind would point a nested build at the outer one's MSBuild, and
    /// MESHHOST_ variables would configure the host under test. Build servers are not kept either.
    /// </summary>
    private static void Isolate(IDictionary<string, string?> environment)
    {
        foreach (string key in environment.Keys.ToArray())
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("MESHHOST_", StringComparison.OrdinalIgnoreCase))
            {
                environment.Remove(key);
            }
        }

        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        environment["DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE"] = "true";
        environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        environment["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false";
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        environment["UseSharedCompilation"] = "false";
    }

    private void Kill()
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

    private static string Read(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }
}
