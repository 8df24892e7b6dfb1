using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace MeshHost.MessagePack.Tests.Support;

/// <summary>
/// Runs tests/interop/msgpack_interop.py under Debian's /usr/bin/python3 with its python3-msgpack,
/// an implementation of MessagePack written independently of ours.
/// </summary>
internal static class PythonMsgpack
{
    public const string Interpreter = "/usr/bin/python3";
    private const string InstallHint = "Install the independent implementation with 'apt-get install python3-msgpack' (Debian's package, run with /usr/bin/python3; .ci/run does this).";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>Sends the corpus and returns the script's JSON answer; fails the test if Python or msgpack is missing.</summary>
    public static async Task<JsonObject> CheckAsync(JsonArray corpus)
    {
        if (!File.Exists(Interpreter))
        {
            Assert.Fail($"{Interpreter} is missing. {InstallHint}");
        }

        string script = Path.Combine(AppContext.BaseDirectory, "interop", "msgpack_interop.py");
        Assert.True(File.Exists(script), $"{script} was not copied next to the tests.");

        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(script);
        // The pyenv interpreter on PATH must not leak its module path into Debian's.
        start.Environment.Remove("PYTHONPATH");
        start.Environment.Remove("PYTHONHOME");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        using var cancel = new CancellationTokenSource(Timeout);
        try
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancel.Token);
            Task<string> stderr = process.StandardError.ReadToEndAsync(cancel.Token);
            await process.StandardInput.WriteAsync(corpus.ToJsonString().AsMemory(), cancel.Token);
            process.StandardInput.Close();
            await process.WaitForExitAsync(cancel.Token);
            string output = await stdout;
            string errors = await stderr;

            if (process.ExitCode == 3)
            {
                Assert.Fail($"The Python module msgpack is missing: {errors.Trim()} {InstallHint}");
            }

            Assert.True(process.ExitCode == 0, $"msgpack_interop.py exited with {process.ExitCode}: {errors}");
            return JsonNode.Parse(output)!.AsObject();
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"msgpack_interop.py did not finish within {Timeout.TotalSeconds} s.");
            throw;
        }
    }
}
