using System.Globalization;
using System.Text.RegularExpressions;
using MeshHost.Bench.Reporting;
using MeshHost.Bench.Suites;

namespace MeshHost.Bench.FileShare;

/// <summary>
/// File sharing with real <c>meshhost</c> processes on 127.0.0.1 (docs/benchmarks.md, "File sharing"):
/// one file from one seeder beside the same file fetched with curl from nginx (sendfile on), written to
/// the same disk; then with every seeder's upload capped, the speed-up from 1 to 2, 4 and 8 seeders.
/// </summary>
internal sealed partial class FileShareSuite : ISuite
{
    private const string UncappedSettings = "{}";

    // Longer than the kernel's free-page-reporting delay (2 s), with margin for a busy machine.
    private static readonly TimeSpan ColdPageDelay = TimeSpan.FromSeconds(10);

    public string Name => "fileshare";

    public string Description => "Real processes on loopback: 1 seeder vs curl from nginx (sendfile), and 1/2/4/8 upload-capped seeders";

    public async Task<SuiteReport> RunAsync(SuiteRunOptions options, CancellationToken cancellationToken)
    {
        long singleBytes = options.Quick ? 256L << 20 : 1L << 30;
        long cappedBytes = options.Quick ? 64L << 20 : 256L << 20;
        const long cap = 20_000_000;
        var metrics = new List<Metric>();
        var errors = new List<string>();
        string root = Directory.CreateTempSubdirectory("meshhost-bench-fileshare-").FullName;
        var nodes = new List<BenchNode>();
        try
        {
            TextWriter progress = options.Progress;
            string shared = Path.Combine(root, "shared");
            Directory.CreateDirectory(shared);
            string big = WriteRandomFile(Path.Combine(shared, "big.bin"), singleBytes, 1);
            string capped = WriteRandomFile(Path.Combine(shared, "capped.bin"), cappedBytes, 2);
            string warm = WriteRandomFile(Path.Combine(shared, "warm.bin"), 16L << 20, 3);

            // The HTTP baseline: a warm-up run, then the measured one, into the same disk as ours.
            double curl;
            double curlCold;
            using (NginxServer nginx = await NginxServer.StartAsync(shared, Path.Combine(root, "nginx"), cancellationToken).ConfigureAwait(false))
            {
                await nginx.CurlAsync("big.bin", Path.Combine(root, "curl.bin"), cancellationToken).ConfigureAwait(false);
                curl = await nginx.CurlAsync("big.bin", Path.Combine(root, "curl.bin"), cancellationToken).ConfigureAwait(false);
                File.Delete(Path.Combine(root, "curl.bin"));

                // A control: the measured run above writes into page-cache pages the warm-up's file freed
                // a moment before, while our download writes into pages free for seconds, which a VM whose
                // balloon reports free pages to the hypervisor may have handed back (a first write to such
                // a page costs a fault on the host). This figure is curl under our condition; it is
                // informational and the target stays on the figure above (docs/benchmarks.md).
                await Task.Delay(ColdPageDelay, cancellationToken).ConfigureAwait(false);
                curlCold = await nginx.CurlAsync("big.bin", Path.Combine(root, "curl-cold.bin"), cancellationToken).ConfigureAwait(false);
                File.Delete(Path.Combine(root, "curl-cold.bin"));
            }

            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"curl from nginx: {curl / 1e6:0.0} MB/s; into cold page-cache pages: {curlCold / 1e6:0.0} MB/s"));

            // One uncapped seeder; the downloader is warmed up with a small file first (both processes JIT-compiled).
            BenchNode seeder = Track(nodes, await BenchNode.StartAsync(Path.Combine(root, "seed-1"), null, UncappedSettings, cancellationToken).ConfigureAwait(false));
            string bigLink = await ShareAsync(seeder, big, cancellationToken).ConfigureAwait(false);
            string warmLink = await ShareAsync(seeder, warm, cancellationToken).ConfigureAwait(false);
            using (BenchNode downloader = await BenchNode.StartAsync(Path.Combine(root, "get-single"), seeder.Port, UncappedSettings, cancellationToken).ConfigureAwait(false))
            {
                await GetAsync(downloader, warmLink, Path.Combine(root, "out-warm"), 16L << 20, cancellationToken).ConfigureAwait(false);
                double ours = await GetAsync(downloader, bigLink, Path.Combine(root, "out-single"), singleBytes, cancellationToken).ConfigureAwait(false);
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"meshhost get, 1 seeder: {ours / 1e6:0.0} MB/s"));
                metrics.Add(Metric.HigherIsBetter("single_seeder.throughput", ours / 1e6, "MB/s", "curl from nginx (sendfile on)", curl / 1e6, MetricTarget.MinRatio(0.5)));
                metrics.Add(Metric.HigherIsBetter("single_seeder.vs_cold_curl", ours / 1e6, "MB/s", "the same curl into cold page-cache pages", curlCold / 1e6));
            }

            DeleteQuietly(Path.Combine(root, "out-single"));
            seeder.Dispose();
            nodes.Remove(seeder);

            // Capped seeders, added 1 -> 2 -> 4 -> 8; each run has a fresh downloader (the previous one, now a seeder, is stopped).
            string cappedSettings = string.Create(CultureInfo.InvariantCulture, $$"""{ "MaxUploadBytesPerSecond": "{{cap}}" }""");
            var rates = new Dictionary<int, double>();
            string? link = null;
            int? bootstrap = null;
            foreach (int count in new[] { 1, 2, 4, 8 })
            {
                while (nodes.Count < count)
                {
                    BenchNode added = Track(nodes, await BenchNode.StartAsync(Path.Combine(root, $"capped-{nodes.Count + 1}"), bootstrap, cappedSettings, cancellationToken).ConfigureAwait(false));
                    bootstrap ??= added.Port;
                    link = await ShareAsync(added, capped, cancellationToken).ConfigureAwait(false);
                }

                using BenchNode downloader = await BenchNode.StartAsync(Path.Combine(root, $"get-capped-{count}"), bootstrap, UncappedSettings, cancellationToken).ConfigureAwait(false);
                double rate = await GetAsync(downloader, link!, Path.Combine(root, $"out-capped-{count}"), cappedBytes, cancellationToken).ConfigureAwait(false);
                DeleteQuietly(Path.Combine(root, $"out-capped-{count}"));
                rates[count] = rate;
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"meshhost get, {count} seeder(s) capped at {cap / 1e6:0} MB/s each: {rate / 1e6:0.0} MB/s"));
            }

            metrics.Add(Metric.Plain("capped.1_seeder", rates[1] / 1e6, "MB/s"));
            metrics.Add(Metric.HigherIsBetter("capped.2_seeders", rates[2] / 1e6, "MB/s", "1 capped seeder", rates[1] / 1e6, MetricTarget.MinRatio(1.75)));
            metrics.Add(Metric.HigherIsBetter("capped.4_seeders", rates[4] / 1e6, "MB/s", "1 capped seeder", rates[1] / 1e6, MetricTarget.MinRatio(3.5)));
            metrics.Add(Metric.HigherIsBetter("capped.8_seeders", rates[8] / 1e6, "MB/s", "1 capped seeder", rates[1] / 1e6));
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or FileNotFoundException)
        {
            errors.Add(e.Message);
        }
        finally
        {
            foreach (BenchNode node in nodes)
            {
                node.Dispose();
            }

            DeleteQuietly(root);
        }

        return new SuiteReport(Name, options.Quick ? "quick" : "full", metrics, errors);
    }

    private static BenchNode Track(List<BenchNode> nodes, BenchNode node)
    {
        nodes.Add(node);
        return node;
    }

    private static async Task<string> ShareAsync(BenchNode node, string path, CancellationToken cancellationToken)
    {
        (int code, string output) = await node.RunAsync(["share", path], cancellationToken).ConfigureAwait(false);
        Match link = LinkLine().Match(output);
        return code == 0 && link.Success ? link.Value.Trim() : throw new InvalidOperationException($"meshhost share failed ({code}): {output}");
    }

    /// <summary>Runs <c>meshhost get</c>; returns the bytes per second the node measured from start to verified completion.</summary>
    private static async Task<double> GetAsync(BenchNode node, string link, string output, long bytes, CancellationToken cancellationToken)
    {
        (int code, string text) = await node.RunAsync(["get", link, "-o", output], cancellationToken).ConfigureAwait(false);
        Match summary = SummaryLine().Match(text);
        if (code != 0 || !summary.Success)
        {
            throw new InvalidOperationException($"meshhost get failed ({code}): {text[Math.Max(0, text.Length - 2000)..]}\n{node.Log()[^Math.Min(4000, node.Log().Length)..]}");
        }

        return bytes / double.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static string WriteRandomFile(string path, long size, int seed)
    {
        var random = new Random(seed);
        byte[] buffer = new byte[1 << 20];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        for (long left = size; left > 0; left -= buffer.Length)
        {
            random.NextBytes(buffer);
            file.Write(buffer, 0, (int)Math.Min(buffer.Length, left));
        }

        return path;
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // A killed process may still hold a file for a moment; the temp folder is cleaned by the OS.
        }
    }

    [GeneratedRegex(@"^mesh://\S+$", RegexOptions.Multiline)]
    private static partial Regex LinkLine();

    [GeneratedRegex(@"fetched from \d+ peer\(s\) in ([\d.]+) s")]
    private static partial Regex SummaryLine();
}
