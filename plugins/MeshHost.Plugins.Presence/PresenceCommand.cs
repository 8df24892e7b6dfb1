using System.Globalization;
using System.Text.Json;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Presence;

/// <summary>
/// <c>meshhost presence [--ping PEER]</c>: prints the running node's presence table, or pings a peer.
/// Runs in the CLI process and reaches the node through the plugin's control API endpoints.
/// </summary>
internal static class PresenceCommand
{
    public static PluginCommand Create() => new()
    {
        Name = "presence",
        Description = "List the nodes whose presence heartbeats this node hears, or ping one (--ping PEER).",
        Options = [new PluginCommandArgument("ping", "A peer id, or the start of one as the table prints it, to ping instead of listing.")],
        Run = RunAsync,
    };

    private static async Task<int> RunAsync(PluginCommandContext context, CancellationToken cancellationToken)
    {
        if (context.Options.TryGetValue("ping", out string? peer))
        {
            return await PingAsync(context, peer, cancellationToken).ConfigureAwait(false);
        }

        ControlApiResponse response = await context.Node.SendAsync("GET", "online", ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        if (!TryRead(context, response, out JsonDocument? document))
        {
            return 1;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            JsonElement peers = root.GetProperty("peers");
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"This node {Short(root.GetProperty("self").GetString())} hears {peers.GetArrayLength()} peer(s), beating every {root.GetProperty("intervalSeconds").GetDouble()} s.")).ConfigureAwait(false);
            if (peers.GetArrayLength() == 0)
            {
                return 0;
            }

            await context.Output.WriteLineAsync($"{"PEER",-10}{"LAST SEEN",-12}{"SEQ",-8}NAME").ConfigureAwait(false);
            foreach (JsonElement entry in peers.EnumerateArray())
            {
                string lastSeen = string.Create(CultureInfo.InvariantCulture, $"{entry.GetProperty("lastSeenSeconds").GetDouble():0.0} s ago");
                string sequence = entry.GetProperty("sequence").GetUInt64().ToString(CultureInfo.InvariantCulture);
                await context.Output.WriteLineAsync($"{Short(entry.GetProperty("id").GetString()),-10}{lastSeen,-12}{sequence,-8}{entry.GetProperty("name").GetString()}").ConfigureAwait(false);
            }
        }

        return 0;
    }

    private static async Task<int> PingAsync(PluginCommandContext context, string peer, CancellationToken cancellationToken)
    {
        ControlApiResponse response = await context.Node.SendAsync("POST", "ping/" + Uri.EscapeDataString(peer), ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        if (!TryRead(context, response, out JsonDocument? document))
        {
            return 1;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Pong from {Short(root.GetProperty("peer").GetString())} in {root.GetProperty("roundTripMilliseconds").GetDouble():0.###} ms.")).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>Parses a 2xx body; prints the API's error (or the status) otherwise.</summary>
    private static bool TryRead(PluginCommandContext context, ControlApiResponse response, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out JsonDocument? document)
    {
        document = null;
        if (response.StatusCode is >= 200 and < 300)
        {
            document = JsonDocument.Parse(response.Body);
            return true;
        }

        string message = $"The node answered {response.StatusCode}.";
        try
        {
            using JsonDocument error = JsonDocument.Parse(response.Body);
            if (error.RootElement.TryGetProperty("message", out JsonElement text))
            {
                message = text.GetString() ?? message;
            }
        }
        catch (JsonException)
        {
            // Not the API's error shape: the status says enough.
        }

        context.Error.WriteLine(message);
        return false;
    }

    private static string Short(string? id) => id is { Length: >= 8 } ? id[..8] : id ?? "";
}
