using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MeshHost.Control;
using MeshHost.Ping;
using MeshHost.Transport;

namespace MeshHost.Cli;

/// <summary><c>meshhost ping ID</c>: echoes pseudo-random data to a peer through the running node and checks every byte.</summary>
internal static class PingCommand
{
    public static Command Create(CliConsole console)
    {
        Command command = new("ping", "Dial a node by id if needed, echo data to it end to end, check every byte, and report connect time, time to first reply, round trips, throughput and the path (direct or relayed). Exit code 1 unless every echo came back intact.");
        Argument<string> id = CliOptions.NodeId();
        Option<int?> count = new("--count", "-c") { Description = $"Echo requests to send (1-{PingSettings.MaxCount}, default {PingSettings.DefaultCount}).", HelpName = "N" };
        Option<int?> size = new("--size", "-s") { Description = $"Bytes per request (0-{PingSettings.MaxSize}, default {PingSettings.DefaultSize}).", HelpName = "BYTES" };
        Option<int?> window = new("--window", "-w") { Description = $"Requests in flight at once (1-{PingSettings.MaxWindow}, default {PingSettings.DefaultWindow}); more measures throughput rather than round trips.", HelpName = "N" };
        Option<double?> timeout = new("--timeout") { Description = $"Bound on the whole ping, dial included, in seconds (default {PingSettings.DefaultTimeout.TotalSeconds:0}, at most {PingSettings.MaxTimeout.TotalSeconds:0}).", HelpName = "SECONDS" };
        Option<string?> dataDirectory = CliOptions.DataDirectory();
        Option<bool> json = CliOptions.Json();
        command.Arguments.Add(id);
        command.Options.Add(count);
        command.Options.Add(size);
        command.Options.Add(window);
        command.Options.Add(timeout);
        command.Options.Add(dataDirectory);
        command.Options.Add(json);
        command.SetAction((parse, ct) =>
        {
            string? value = parse.GetValue(id)?.Trim();
            PingRequest request = new(value, parse.GetValue(count), parse.GetValue(size), parse.GetValue(window), parse.GetValue(timeout));
            string? problem = NodeId.TryParse(value, out _) ? PingSettings.Problem(request.Count, request.Size, request.Window, request.TimeoutSeconds) : NodeIds.NotAnId(value);
            if (problem is not null)
            {
                console.Error.WriteLine("meshhost: " + problem);
                return Task.FromResult(ExitCodes.Usage);
            }

            // The node bounds the run; the client waits a little longer so that the node's answer wins.
            TimeSpan bound = request.TimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : PingSettings.DefaultTimeout;
            string body = JsonSerializer.Serialize(request, ControlJsonContext.Default.PingRequest);
            return NodeCommands.CallAsync(
                console,
                parse.GetValue(dataDirectory),
                parse.GetValue(json),
                (client, c) => client.PostAsync("ping", body, c),
                ControlJsonContext.Default.PingResponse,
                Write,
                ct,
                bound + TimeSpan.FromSeconds(10));
        });
        return command;
    }

    internal static int Write(TextWriter o, PingResponse r)
    {
        string path = r.Relay is null ? r.Path : $"{r.Path} via {r.Relay}";
        o.WriteLine($"Ping {r.Id}");
        o.WriteLine($"  path            {path}{(r.EndPoint is null ? "" : " (" + r.EndPoint + ")")}");
        o.WriteLine($"  connect         {(r.AlreadyConnected ? "already connected" : Formatting.Milliseconds(r.ConnectMs))}");
        o.WriteLine($"  first reply     {(r.FirstReplyMs is { } first ? Formatting.Milliseconds(first) + " after the start" : "none")}");
        o.WriteLine($"  echoed          {r.Echoed}/{r.Count} x {r.Size} bytes intact; {r.Corrupted} corrupted, {r.TimedOut} timed out, {r.Failed} failed (seed {r.Seed}, window {r.Window})");
        if (r.RttP50Ms is { } p50)
        {
            o.WriteLine($"  round trip      min {Formatting.Milliseconds(r.RttMinMs!.Value)}, p50 {Formatting.Milliseconds(p50)}, p99 {Formatting.Milliseconds(r.RttP99Ms!.Value)}, max {Formatting.Milliseconds(r.RttMaxMs!.Value)}");
        }

        o.WriteLine($"  throughput      {Throughput(r.ThroughputBytesPerSecond)} ({r.BytesEchoed} bytes echoed in {Formatting.Milliseconds(r.ElapsedMs)} in all)");
        if (r.FirstError is not null)
        {
            o.WriteLine($"  first error     {r.FirstError}");
        }

        return r.Echoed == r.Count ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static string Throughput(double bytesPerSecond) => bytesPerSecond switch
    {
        >= 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytesPerSecond / (1024 * 1024):0.##} MiB/s"),
        >= 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytesPerSecond / 1024:0.##} KiB/s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytesPerSecond:0} B/s"),
    };
}
