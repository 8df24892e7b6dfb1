using System.Globalization;
using System.Text;
using System.Text.Json;
using MeshHost.Plugins.Shared;
using MeshHost.Sdk;

namespace MeshHost.Plugins.FileShare;

/// <summary>
/// <c>meshhost share PATH</c>, <c>meshhost get LINK [-o DIR]</c> and <c>meshhost files list|stop ID</c>.
/// They run in the CLI process and reach the node through the plugin's control API; paths are made
/// absolute here, since the node's working directory is not the user's.
/// </summary>
internal static class FileShareCommands
{
    /// <summary>How often <c>get</c> asks the node for progress.</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public static IEnumerable<PluginCommand> Create(TimeProvider? time)
    {
        yield return new PluginCommand
        {
            Name = "share",
            Description = "Share a file or folder: hashes it, serves it in place and prints the mesh:// link another node fetches it with.",
            Arguments = [new PluginCommandArgument("path", "The file or folder to share.")],
            Run = ShareAsync,
        };
        yield return new PluginCommand
        {
            Name = "get",
            Description = "Download a mesh:// link from every node that has it, verifying each block; resumes if run again. Ctrl+C stops it (kept for resume).",
            Arguments = [new PluginCommandArgument("link", "The mesh:// link 'meshhost share' printed.")],
            Options = [new PluginCommandArgument("output", "The folder to download into (default: the current folder); '-o DIR' works too.")],
            RemainingArguments = new PluginCommandArgument("options", "-o DIR: the folder to download into."),
            Run = (context, ct) => GetAsync(context, time ?? TimeProvider.System, ct),
        };
        yield return new PluginCommand
        {
            Name = "files",
            Description = "File sharing: 'files list' shows shares and downloads; 'files stop ID' stops a download (kept for resume) or a share.",
            Arguments = [new PluginCommandArgument("command", "list or stop.")],
            RemainingArguments = new PluginCommandArgument("id", "stop: the share's or download's id (or its first 8+ hex digits)."),
            Run = FilesAsync,
        };
    }

    private static async Task<int> ShareAsync(PluginCommandContext context, CancellationToken cancellationToken)
    {
        string path = Path.GetFullPath(context.Arguments["path"]);
        using JsonDocument? result = await CallAsync(context, "POST", "shares", Body("path", path), cancellationToken).ConfigureAwait(false);
        if (result is null)
        {
            return 1;
        }

        JsonElement root = result.RootElement;
        string link = root.GetProperty("link").GetString()!;
        long files = root.GetProperty("files").GetInt64();
        await context.Output.WriteLineAsync($"Sharing '{root.GetProperty("name").GetString()}': {Size(root.GetProperty("size").GetInt64())} in {files} file{(files == 1 ? "" : "s")}, served in place while this node runs.").ConfigureAwait(false);
        await context.Output.WriteLineAsync(link).ConfigureAwait(false);
        await context.Output.WriteLineAsync($"On another node: meshhost get '{link}' -o DIR").ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> GetAsync(PluginCommandContext context, TimeProvider time, CancellationToken cancellationToken)
    {
        string? output = context.Options.GetValueOrDefault("output");
        IReadOnlyList<string> rest = context.RemainingArguments;
        if (rest.Count > 0)
        {
            if (rest.Count != 2 || rest[0] != "-o" || output is not null)
            {
                await context.Error.WriteLineAsync("meshhost get: usage: meshhost get LINK [-o DIR]").ConfigureAwait(false);
                return 2;
            }

            output = rest[1];
        }

        string directory = Path.GetFullPath(output ?? ".");
        string body = JsonText.Object(w =>
        {
            w.WriteString("link", context.Arguments["link"]);
            w.WriteString("directory", directory);
        });
        string id;
        using (JsonDocument? started = await CallAsync(context, "POST", "downloads", body, cancellationToken).ConfigureAwait(false))
        {
            if (started is null)
            {
                return 1;
            }

            id = started.RootElement.GetProperty("id").GetString()!;
        }

        int lastLength = 0;
        try
        {
            while (true)
            {
                using JsonDocument? status = await CallAsync(context, "GET", $"downloads/{id}", "", cancellationToken).ConfigureAwait(false);
                if (status is null)
                {
                    return 1;
                }

                JsonElement s = status.RootElement;
                string state = s.GetProperty("state").GetString()!;
                string line = Progress(s);
                await context.Output.WriteAsync("\r" + line + new string(' ', Math.Max(0, lastLength - line.Length))).ConfigureAwait(false);
                lastLength = line.Length;
                switch (state)
                {
                    case "complete":
                        await context.Output.WriteLineAsync().ConfigureAwait(false);
                        await context.Output.WriteLineAsync(Summary(s)).ConfigureAwait(false);
                        return 0;
                    case "failed" or "stopped":
                        await context.Output.WriteLineAsync().ConfigureAwait(false);
                        await context.Error.WriteLineAsync(state == "failed"
                            ? $"meshhost get: {s.GetProperty("error").GetString()}"
                            : "meshhost get: the download was stopped ('meshhost files stop'); its part files are kept: run this command again to resume.").ConfigureAwait(false);
                        return 1;
                }

                await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: stop the download in the node too, so it does not go on behind the user's back.
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await context.Node.SendAsync("DELETE", $"files/{id}", default, stop.Token).ConfigureAwait(false);
            await context.Output.WriteLineAsync().ConfigureAwait(false);
            await context.Error.WriteLineAsync("Stopped. The verified part is kept: run the same command again to resume.").ConfigureAwait(false);
            return 130;
        }
    }

    private static async Task<int> FilesAsync(PluginCommandContext context, CancellationToken cancellationToken)
    {
        string verb = context.Arguments["command"];
        IReadOnlyList<string> rest = context.RemainingArguments;
        if ((verb == "list" && rest.Count != 0) || (verb == "stop" && rest.Count != 1) || verb is not ("list" or "stop"))
        {
            await context.Error.WriteLineAsync("meshhost files: usage: meshhost files list | meshhost files stop ID").ConfigureAwait(false);
            return 2;
        }

        using JsonDocument? list = await CallAsync(context, "GET", "files", "", cancellationToken).ConfigureAwait(false);
        if (list is null)
        {
            return 1;
        }

        JsonElement shares = list.RootElement.GetProperty("shares");
        JsonElement downloads = list.RootElement.GetProperty("downloads");
        if (verb == "list")
        {
            await context.Output.WriteLineAsync($"{"ID",-16}  {"STATE",-15}  {"PROGRESS",8}  {"SIZE",10}  NAME").ConfigureAwait(false);
            foreach (JsonElement share in shares.EnumerateArray())
            {
                await context.Output.WriteLineAsync($"{share.GetProperty("id").GetString()![..16]}  {share.GetProperty("state").GetString(),-15}  {"100%",8}  {Size(share.GetProperty("size").GetInt64()),10}  {share.GetProperty("path").GetString()}").ConfigureAwait(false);
            }

            foreach (JsonElement download in downloads.EnumerateArray())
            {
                string state = download.GetProperty("state").GetString()!;
                if (state == "complete")
                {
                    continue;
                }

                long size = download.GetProperty("size").GetInt64();
                string percent = size == 0 ? "-" : (100.0 * download.GetProperty("verified").GetInt64() / size).ToString("0.0", CultureInfo.InvariantCulture) + "%";
                await context.Output.WriteLineAsync($"{download.GetProperty("id").GetString()![..16]}  {state,-15}  {percent,8}  {Size(size),10}  {Path.Combine(download.GetProperty("directory").GetString()!, download.GetProperty("name").GetString()!)}").ConfigureAwait(false);
            }

            return 0;
        }

        string prefix = rest[0].ToLowerInvariant();
        var matches = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonElement item in shares.EnumerateArray().Concat(downloads.EnumerateArray()))
        {
            string itemId = item.GetProperty("id").GetString()!;
            if (prefix.Length >= 8 && itemId.StartsWith(prefix, StringComparison.Ordinal))
            {
                matches.Add(itemId);
            }
        }

        if (matches.Count != 1)
        {
            await context.Error.WriteLineAsync(matches.Count == 0
                ? $"meshhost files stop: no share or download '{rest[0]}' ('meshhost files list' shows the ids; give 8 or more hex digits)."
                : $"meshhost files stop: '{rest[0]}' matches {matches.Count} ids; give more digits.").ConfigureAwait(false);
            return 1;
        }

        string id = matches.Single();
        using JsonDocument? stopped = await CallAsync(context, "DELETE", $"files/{id}", "", cancellationToken).ConfigureAwait(false);
        if (stopped is null)
        {
            return 1;
        }

        await context.Output.WriteLineAsync($"Stopped {id[..16]}.").ConfigureAwait(false);
        return 0;
    }

    /// <summary>One line: bar, percent, bytes, rate, peers, ETA.</summary>
    internal static string Progress(JsonElement s)
    {
        long size = s.GetProperty("size").GetInt64();
        long verified = s.GetProperty("verified").GetInt64();
        double rate = s.GetProperty("bytesPerSecond").GetDouble();
        string state = s.GetProperty("state").GetString()!;
        if (state == "searching")
        {
            return $"Looking for peers that have '{s.GetProperty("name").GetString()}'...";
        }

        double fraction = size == 0 ? 1 : (double)verified / size;
        const int width = 24;
        int filled = (int)Math.Round(fraction * width);
        string eta = rate > 0 && verified < size ? Duration(TimeSpan.FromSeconds((size - verified) / rate)) : "-";
        return string.Create(CultureInfo.InvariantCulture, $"[{new string('#', filled)}{new string('.', width - filled)}] {fraction * 100,5:0.0}%  {Size(verified)} / {Size(size)}  {Size((long)rate)}/s  {s.GetProperty("peers").GetInt32()} peer(s)  ETA {eta}");
    }

    internal static string Summary(JsonElement s)
    {
        long size = s.GetProperty("size").GetInt64();
        long resumed = s.GetProperty("resumed").GetInt64();
        double seconds = s.GetProperty("elapsedMs").GetInt64() / 1000.0;
        long files = s.GetProperty("files").GetInt64();
        string target = Path.Combine(s.GetProperty("directory").GetString()!, s.GetProperty("name").GetString()!);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Verified {Size(size)} in {files} file{(files == 1 ? "" : "s")} -> {target}");
        text.Append(CultureInfo.InvariantCulture, $"\n  root {s.GetProperty("id").GetString()}: every 16 KiB block checked against it");
        text.Append(CultureInfo.InvariantCulture, $"\n  {Size(size - resumed)} fetched from {s.GetProperty("contributors").GetInt32()} peer(s) in {seconds:0.00} s ({Size(seconds > 0 ? (long)((size - resumed) / seconds) : 0)}/s)");
        if (resumed > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"; {Size(resumed)} was already on disk (resumed)");
        }

        long rejected = s.GetProperty("rejectedBlocks").GetInt64();
        if (rejected > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  {rejected} corrupt block(s) rejected and fetched again; {s.GetProperty("droppedPeers").GetInt32()} peer(s) dropped");
        }

        text.Append("\n  now seeding it while this node runs");
        return text.ToString();
    }

    internal static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    private static string Duration(TimeSpan span) =>
        span.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}:{span.Minutes:00}:{span.Seconds:00}") : string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}:{span.Seconds:00}");

    private static string Body(string name, string value) => JsonText.Object(w => w.WriteString(name, value));

    private static async Task<JsonDocument?> CallAsync(PluginCommandContext context, string method, string path, string body, CancellationToken cancellationToken)
    {
        ControlApiResponse response = await context.Node.SendAsync(method, path, Encoding.UTF8.GetBytes(body), cancellationToken).ConfigureAwait(false);
        JsonDocument? document = null;
        try
        {
            document = JsonDocument.Parse(response.Body);
        }
        catch (JsonException)
        {
            // Not JSON: reported below with the status code.
        }

        if (response.StatusCode is >= 200 and < 300 && document is not null)
        {
            return document;
        }

        string message = document is not null && document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out JsonElement m)
            ? m.GetString() ?? ""
            : $"the node answered {response.StatusCode}";
        document?.Dispose();
        await context.Error.WriteLineAsync($"meshhost: {message}").ConfigureAwait(false);
        return null;
    }
}
