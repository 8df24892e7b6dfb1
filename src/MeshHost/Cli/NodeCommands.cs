using System.CommandLine;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MeshHost.Configuration;
using MeshHost.Control;
using MeshHost.Transport;

namespace MeshHost.Cli;

/// <summary>The commands that talk to a running node through its control API: id, status, peers, connect, dht find.</summary>
internal static class NodeCommands
{
    public static IEnumerable<Command> Create(CliConsole console)
    {
        yield return Query(console, "id", "Print the running node's id.", "id", ControlJsonContext.Default.IdResponse, (o, r) =>
        {
            o.WriteLine(r.Id);
            return ExitCodes.Success;
        });
        yield return Query(console, "status", "Show the running node's id, addresses, peers and counters.", "status", ControlJsonContext.Default.StatusResponse, WriteStatus);
        yield return Query(console, "peers", "List the peers the running node has sessions with.", "peers", ControlJsonContext.Default.PeersResponse, WritePeers);
        yield return Connect(console);

        Command dht = new("dht", "Ask the DHT.");
        dht.Subcommands.Add(Find(console));
        yield return dht;
    }

    private static Command Query<T>(CliConsole console, string name, string description, string path, JsonTypeInfo<T> type, Func<TextWriter, T, int> write)
    {
        Command command = new(name, description);
        Option<string?> dataDirectory = CliOptions.DataDirectory();
        Option<bool> json = CliOptions.Json();
        command.Options.Add(dataDirectory);
        command.Options.Add(json);
        command.SetAction((parse, ct) => CallAsync(
            console, parse.GetValue(dataDirectory), parse.GetValue(json), (client, c) => client.GetAsync(path, c), type, write, ct));
        return command;
    }

    private static Command Find(CliConsole console) => WithId(
        console,
        "find",
        "Look a node up by id: its session, else its peer record in the DHT. Exit code 1 when it is not found.",
        (client, id, ct) => client.GetAsync("dht/find/" + id, ct),
        ControlJsonContext.Default.FindResponse,
        WriteFind);

    private static Command Connect(CliConsole console) => WithId(
        console,
        "connect",
        "Dial a node by id (through the DHT when there is no session yet).",
        (client, id, ct) => client.PostAsync("peers/connect", JsonSerializer.Serialize(new ConnectRequest(id.ToString()), ControlJsonContext.Default.ConnectRequest), ct),
        ControlJsonContext.Default.ConnectResponse,
        (o, r) =>
        {
            string path = r.Path switch
            {
                "relayed" => $" through relay {r.Relay} at {r.EndPoint}",
                "direct" => $" directly at {r.EndPoint}",
                _ => "",
            };
            o.WriteLine($"Connected to {r.Id}{path} in {Formatting.Milliseconds(r.ElapsedMs)}.");
            return ExitCodes.Success;
        });

    /// <summary>A command that takes a node id; the id is checked before anything else, so bad input is exit code 2 whether or not a node runs.</summary>
    private static Command WithId<T>(
        CliConsole console,
        string name,
        string description,
        Func<ControlClient, NodeId, CancellationToken, Task<ControlReply>> call,
        JsonTypeInfo<T> type,
        Func<TextWriter, T, int> write) =>
        WithArgument(
            console,
            name,
            description,
            CliOptions.NodeId(),
            value => NodeId.TryParse(value, out _) ? null : NodeIds.NotAnId(value),
            (client, value, ct) => call(client, NodeId.Parse(value), ct),
            type,
            write);

    /// <summary>
    /// A command that takes one argument, checked by <paramref name="problem"/> (null when fine, else
    /// the message) before anything else, so bad input is exit code 2 whether or not a node runs.
    /// </summary>
    internal static Command WithArgument<T>(
        CliConsole console,
        string name,
        string description,
        Argument<string> argument,
        Func<string?, string?> problem,
        Func<ControlClient, string, CancellationToken, Task<ControlReply>> call,
        JsonTypeInfo<T> type,
        Func<TextWriter, T, int> write)
    {
        Command command = new(name, description);
        Option<string?> dataDirectory = CliOptions.DataDirectory();
        Option<bool> json = CliOptions.Json();
        command.Arguments.Add(argument);
        command.Options.Add(dataDirectory);
        command.Options.Add(json);
        command.SetAction((parse, ct) =>
        {
            string? value = parse.GetValue(argument)?.Trim();
            if (problem(value) is { } message)
            {
                console.Error.WriteLine("meshhost: " + message);
                return Task.FromResult(ExitCodes.Usage);
            }

            return CallAsync(console, parse.GetValue(dataDirectory), parse.GetValue(json), (client, c) => call(client, value!, c), type, write, ct);
        });
        return command;
    }

    /// <summary>Calls the node of the data directory and prints its answer; maps failures to the documented exit codes.</summary>
    internal static async Task<int> CallAsync<T>(
        CliConsole console,
        string? dataDirectoryOption,
        bool json,
        Func<ControlClient, CancellationToken, Task<ControlReply>> call,
        JsonTypeInfo<T> type,
        Func<TextWriter, T, int> write,
        CancellationToken cancellationToken,
        TimeSpan? requestTimeout = null)
    {
        string dataDirectory = "";
        try
        {
            dataDirectory = DataDirectory.Resolve(dataDirectoryOption);
            using ControlClient client = ControlClient.Open(dataDirectory, requestTimeout);
            ControlReply reply = await call(client, cancellationToken).ConfigureAwait(false);
            if (!reply.IsSuccess)
            {
                return ReportError(console, dataDirectory, reply);
            }

            T value = JsonSerializer.Deserialize(reply.Body, type) ?? throw new JsonException("The node answered null.");
            if (!json)
            {
                return write(console.Out, value);
            }

            console.Out.WriteLine(reply.Body);
            return write(TextWriter.Null, value);
        }
        catch (UsageException e)
        {
            console.Error.WriteLine("meshhost: " + e.Message);
            return ExitCodes.Usage;
        }
        catch (NodeNotRunningException e)
        {
            console.Error.WriteLine(e.Message);
            return ExitCodes.NoNode;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            console.Error.WriteLine($"meshhost: the node for data directory {dataDirectory} did not answer properly: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    private static int ReportError(CliConsole console, string dataDirectory, ControlReply reply)
    {
        string message;
        try
        {
            message = JsonSerializer.Deserialize(reply.Body, ControlJsonContext.Default.ErrorResponse)?.Message ?? reply.Body;
        }
        catch (JsonException)
        {
            message = reply.Body;
        }

        if (reply.Status == HttpStatusCode.Unauthorized)
        {
            console.Error.WriteLine($"meshhost: the node for data directory {dataDirectory} rejected the token in {ControlToken.PathIn(dataDirectory)}: {message}");
            return ExitCodes.Failure;
        }

        console.Error.WriteLine($"meshhost: {message}");
        return reply.Status == HttpStatusCode.BadRequest ? ExitCodes.Usage : ExitCodes.Failure;
    }

    private static int WriteStatus(TextWriter o, StatusResponse s)
    {
        CountersResponse c = s.Counters;
        o.WriteLine($"Node            {s.Id}");
        o.WriteLine($"Listening on    {s.ListenEndPoint} (UDP)");
        o.WriteLine($"Advertised      {(s.AdvertisedEndPoints.Count == 0 ? "none yet" : string.Join(", ", s.AdvertisedEndPoints))}");
        o.WriteLine($"LAN discovery   {(s.LanBeaconAddress is null ? "off" : "beacons to " + s.LanBeaconAddress)}");
        NatResponse nat = s.Nat;
        string reachable = nat.PubliclyReachable switch { true => "publicly reachable", false => "not publicly reachable", null => "reachability unknown" };
        o.WriteLine($"NAT             {nat.Class}; reflexive {nat.ReflexiveEndPoint ?? "unknown"}; {reachable}");
        o.WriteLine($"Candidates      {(nat.Candidates.Count == 0 ? "none" : string.Join(", ", nat.Candidates))}");
        o.WriteLine($"Relays in use   {(nat.Relays.Count == 0 ? "none" : string.Join(", ", nat.Relays))}");
        o.WriteLine($"Relay service   {(nat.RelayServing ? $"serving, {nat.ActiveCircuits} circuit(s)" : "off")}");
        o.WriteLine($"Uptime          {Formatting.Duration(TimeSpan.FromSeconds(s.UptimeSeconds))}");
        o.WriteLine($"Peers           {s.ConnectedPeers} connected, {s.RoutingTableSize} in the routing table");
        o.WriteLine($"DHT records     {s.StoredRecords}");
        o.WriteLine($"Channels        {s.OpenChannels} open; topics: {(s.Topics.Count == 0 ? "none" : string.Join(", ", s.Topics))}");
        o.WriteLine($"Dials           {c.DialsSucceeded} succeeded, {c.DialsFailed} failed; {c.SessionsPruned} idle sessions pruned; {c.LanPeersDiscovered} LAN peers found");
        o.WriteLine($"Messages        {c.MessagesSent} sent, {c.MessagesReceived} received, {c.DroppedUnknownChannel + c.DroppedMalformed + c.DroppedTooLarge + c.DroppedInboxFull} dropped, {c.HandlerFaults} handler faults");
        o.WriteLine($"Topic messages  {c.TopicPublished} published, {c.TopicDelivered} delivered, {c.TopicDropped} dropped");
        return ExitCodes.Success;
    }

    private static int WritePeers(TextWriter o, PeersResponse response) => TextTable.Write(
        o,
        response.Peers,
        "No peers connected.",
        ["PEER", "ENDPOINT", "PATH", "RTT", "UP FOR", "DIALLED BY"],
        p => [p.Id, p.EndPoint, p.Relay is null ? p.Path : $"{p.Path} via {p.Relay[..8]}", Formatting.Milliseconds(p.RoundTripTimeMs), Formatting.Duration(TimeSpan.FromSeconds(p.ConnectedForSeconds)), p.Outbound ? "us" : "them"]);

    private static int WriteFind(TextWriter o, FindResponse r)
    {
        string how = r.Hops == 0 ? "answered locally" : $"{r.Hops} lookup rounds";
        if (r.Found)
        {
            o.WriteLine($"Found {r.Id}");
            o.WriteLine($"  endpoints  {(r.EndPoints.Count == 0 ? "none published" : string.Join(", ", r.EndPoints))}");
            o.WriteLine($"  connected  {(r.Connected ? "yes" : "no (meshhost connect ID dials it)")}");
            o.WriteLine($"  lookup     {how}, {Formatting.Milliseconds(r.ElapsedMs)}");
            return ExitCodes.Success;
        }

        o.WriteLine($"Not found: {r.Id} ({how}, {Formatting.Milliseconds(r.ElapsedMs)}).");
        if (r.Closest.Count > 0)
        {
            o.WriteLine("Closest nodes the lookup reached:");
            foreach (ContactResponse contact in r.Closest)
            {
                o.WriteLine($"  {contact.Id}  {contact.EndPoint}");
            }
        }

        return ExitCodes.Failure;
    }
}
