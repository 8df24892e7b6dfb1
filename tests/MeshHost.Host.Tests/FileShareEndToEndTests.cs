using System.Text.Json;
using System.Text.RegularExpressions;
using MeshHost.Control;
using MeshHost.Plugins.Testing;
using MeshHost.Host.Tests.Support;

namespace MeshHost.Host.Tests;

/// <summary>
/// The file-sharing journey with real <c>meshhost</c> processes on 127.0.0.1, driven only through the
/// CLI: <c>share</c>, <c>get</c> (from one and from four seeders, byte for byte), and a downloader killed
/// with SIGKILL mid-transfer that resumes without fetching again what it verified. The plugin is the
/// bundled build (src/MeshHost/bin/.../plugins), named through each node's meshhost.json.
/// </summary>
[Trait("Category", "Loopback")]
public sealed partial class FileShareEndToEndTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan TransferDeadline = TimeSpan.FromMinutes(4);

    private readonly TempDirectory _directory = new();
    private readonly List<MeshHostProcess> _processes = [];

    public void Dispose()
    {
        foreach (MeshHostProcess process in _processes)
        {
            process.Dispose();
        }

        _directory.Dispose();
    }

    /// <summary>
    /// The big file's size in GiB: 1 by default, which keeps this test near a minute on two busy cores;
    /// MESHHOST_FILESHARE_E2E_GIB=4 runs the same test with 4 GiB.
    /// </summary>
    private static long BigFileBytes =>
        (int.TryParse(Environment.GetEnvironmentVariable("MESHHOST_FILESHARE_E2E_GIB"), out int gib) && gib is > 0 and <= 64 ? gib : 1) * (1L << 30);

    [Fact]
    public async Task A_gigabyte_class_sparse_file_is_fetched_from_one_and_then_from_four_seeders_byte_for_byte()
    {
        string source = WriteSparseFile(_directory.Combine("movie.bin"), BigFileBytes + 12_345, seed: 21);
        (MeshHostProcess first, string firstData, int port) = await StartNodeAsync("S1");
        string link = await ShareAsync(firstData, source);

        // From one seeder.
        (MeshHostProcess d1, string d1Data, _) = await StartNodeAsync("D1", port);
        string out1 = _directory.Combine("out1");
        CommandResult one = await GetAsync(d1Data, link, out1);
        Assert.True(one.Output.Contains("from 1 peer(s)", StringComparison.Ordinal), one.ToString());
        SameFile.Assert(source, Path.Combine(out1, "movie.bin"));

        // D1 now seeds too; stop it so the next download has exactly the four seeders.
        Kill(d1);
        for (int i = 2; i <= 4; i++)
        {
            (_, string data, _) = await StartNodeAsync($"S{i}", port);
            Assert.Equal(link, await ShareAsync(data, source));
        }

        (_, string d2Data, _) = await StartNodeAsync("D2", port);
        string out2 = _directory.Combine("out2");
        CommandResult four = await GetAsync(d2Data, link, out2);
        Assert.True(four.Output.Contains("from 4 peer(s)", StringComparison.Ordinal), four.ToString());
        SameFile.Assert(source, Path.Combine(out2, "movie.bin"));
        Assert.True(first.HasExited is false, first.Describe());
    }

    [Fact]
    public async Task A_downloader_killed_mid_transfer_resumes_after_restart_and_fetches_only_what_it_lacked()
    {
        string source = WriteSparseFile(_directory.Combine("data.bin"), 256L << 20, seed: 22);
        (_, string seedData, int port) = await StartNodeAsync("S");
        string link = await ShareAsync(seedData, source);

        // Capped at 20 MB/s so the transfer is still running when the downloader is killed.
        (MeshHostProcess downloader, string data, _) = await StartNodeAsync("D", port, """{ "MaxDownloadBytesPerSecond": "20000000" }""");
        string output = _directory.Combine("out");
        using MeshHostProcess firstGet = Track(MeshHostProcess.Start("get", link, "-o", output, "--data-dir", data));
        string part = Path.Combine(output, "data.bin.meshpart");
        await Eventually.GetAsync(
            async () =>
            {
                CommandResult list = await MeshHostProcess.RunAsync("files", "list", "--data-dir", data);
                Match progress = ProgressColumn().Match(list.Output);
                return progress.Success && double.Parse(progress.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 30 ? list : null;
            },
            Deadline,
            "the download passing 30%",
            Describe);

        Kill(downloader);   // SIGKILL: no chance to flush or say goodbye.
        Assert.True(File.Exists(part), "the part file is gone");
        Assert.False(File.Exists(Path.Combine(output, "data.bin")), "a partial file stands under the final name");

        Restart("D", data);
        await WaitForStatusAsync(data);
        CommandResult resumed = await GetAsync(data, link, output);
        SameFile.Assert(source, Path.Combine(output, "data.bin"));
        Match summary = ResumedLine().Match(resumed.Output);
        Assert.True(summary.Success, resumed.ToString());
        double fetchedMiB = double.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        double resumedMiB = double.Parse(summary.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(resumedMiB >= 60, $"only {resumedMiB} MiB was kept across the kill\n{resumed}");
        Assert.True(fetchedMiB + resumedMiB <= 256.5, $"fetched {fetchedMiB} MiB again on top of {resumedMiB} MiB resumed\n{resumed}");
    }

    /// <summary>A file of <paramref name="size"/> bytes that is mostly a hole, with 1 MiB of random bytes every 64 MiB and at the end.</summary>
    private static string WriteSparseFile(string path, long size, int seed)
    {
        var random = new Random(seed);
        byte[] island = new byte[1 << 20];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.SetLength(size);
        for (long offset = 0; offset < size; offset += 64L << 20)
        {
            random.NextBytes(island);
            file.Position = offset;
            file.Write(island, 0, (int)Math.Min(island.Length, size - offset));
        }

        random.NextBytes(island);
        file.Position = size - 12_345;
        file.Write(island, 0, 12_345);
        return path;
    }

    /// <summary>The bundled plugins folder of this build's meshhost (tests run from tests/X/bin/CONFIG/TFM/).</summary>
    private static string BundledPlugins()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string repository = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(repository, "src", "MeshHost", "bin", output.Parent.Name, output.Name, "plugins");
    }

    private async Task<(MeshHostProcess Process, string Data, int Port)> StartNodeAsync(string name, int? bootstrap = null, string? fileShareSettings = null)
    {
        string data = _directory.Combine(name);
        Directory.CreateDirectory(data);
        string plugins = JsonSerializer.Serialize(BundledPlugins(), SettingsJson.Default.String);
        string fileShare = fileShareSettings is null ? "" : $", \"meshhost.fileshare\": {fileShareSettings}";
        File.WriteAllText(Path.Combine(data, "meshhost.json"), $$"""{ "Plugins": { "Directory": {{plugins}}, "HotReload": false{{fileShare}} } }""");
        MeshHostProcess process = Restart(name, data, bootstrap);
        StatusResponse status = await WaitForStatusAsync(data);
        return (process, data, status.Port);
    }

    private readonly Dictionary<string, int?> _bootstraps = [];

    private MeshHostProcess Restart(string name, string data, int? bootstrap = null)
    {
        if (bootstrap is not null)
        {
            _bootstraps[name] = bootstrap;
        }

        List<string> args = ["run", "--port", "0", "--listen", "127.0.0.1", "--lan-beacon", "off", "--data-dir", data];
        if (_bootstraps.GetValueOrDefault(name) is int port)
        {
            args.AddRange(["--bootstrap", $"127.0.0.1:{port}"]);
        }

        return Track(MeshHostProcess.Start([.. args]));
    }

    private void Kill(MeshHostProcess process)
    {
        _processes.Remove(process);
        process.Dispose();
    }

    private MeshHostProcess Track(MeshHostProcess process)
    {
        _processes.Add(process);
        return process;
    }

    private async Task<StatusResponse> WaitForStatusAsync(string data)
    {
        CommandResult? last = null;
        return await Eventually.GetAsync(
            async () =>
            {
                last = await MeshHostProcess.RunAsync("plugins", "list", "--json", "--data-dir", data);
                if (last.ExitCode != 0 || !last.Output.Contains("\"running\"", StringComparison.Ordinal))
                {
                    return null;
                }

                last = await MeshHostProcess.RunAsync("status", "--json", "--data-dir", data);
                return last.ExitCode == 0 ? JsonSerializer.Deserialize(last.Output, ControlJsonContext.Default.StatusResponse) : null;
            },
            Deadline,
            $"the node in {data} running the file-share plugin",
            () => $"{last}\n{Describe()}");
    }

    private async Task<string> ShareAsync(string data, string path)
    {
        CommandResult result = await MeshHostProcess.RunAsync("share", path, "--data-dir", data);
        Assert.True(result.ExitCode == 0, $"{result}\n{Describe()}");
        return result.Output.Split('\n').Single(l => l.StartsWith("mesh://", StringComparison.Ordinal)).Trim();
    }

    private async Task<CommandResult> GetAsync(string data, string link, string output)
    {
        using MeshHostProcess get = MeshHostProcess.Start("get", link, "-o", output, "--data-dir", data);
        int code = await get.WaitForExitAsync(TransferDeadline);
        var result = new CommandResult("meshhost get", code, get.Output, get.Error);
        Assert.True(code == 0, $"{result}\n{Describe()}");
        Assert.Contains("Verified", result.Output, StringComparison.Ordinal);
        return result;
    }

    private string Describe() => string.Join('\n', _processes.Select(p => p.Describe()));

    [GeneratedRegex(@"(\d+\.\d)%\s+\S+ \S+\s+\S*data\.bin")]
    private static partial Regex ProgressColumn();

    [GeneratedRegex(@"([\d.]+) MiB fetched from .*?; ([\d.]+) MiB was already on disk \(resumed\)")]
    private static partial Regex ResumedLine();
}
