using System.Globalization;
using System.Text;
using System.Text.Json;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Chat;

/// <summary>
/// <c>meshhost chat</c>: <c>join ROOM</c>, <c>leave ROOM</c>, <c>send ROOM TEXT...</c>,
/// <c>dm NODEID TEXT...</c>, <c>history ROOM</c> (or <c>NODEID</c> for the direct messages with it), <c>block NODEID</c>, <c>unblock NODEID</c>,
/// <c>status</c>, or <c>ROOM</c> alone for the interactive mode. Runs in the CLI process and reaches
/// the node through the plugin's control API.
/// </summary>
internal static class ChatCommand
{
    /// <summary>How often the interactive mode asks the node for new messages.</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private static readonly string[] Verbs = ["join", "leave", "send", "dm", "history", "block", "unblock", "status"];

    public static PluginCommand Create(TextReader? input, TimeProvider? time) => new()
    {
        Name = "chat",
        Description = "Chat: join|leave ROOM, history ROOM|NODEID, send ROOM TEXT, dm NODEID TEXT, block|unblock NODEID, status, or ROOM alone to chat interactively (/quit ends).",
        Arguments = [new PluginCommandArgument("command-or-room", "join, leave, send, dm, history, block, unblock, status; or a room to open interactively.")],
        RemainingArguments = new PluginCommandArgument("args", "The room or NODEID, then the text (the words are joined by spaces)."),
        Options = [new PluginCommandArgument("limit", "history: how many messages (1 to 1000, default 50).")],
        Run = (context, ct) => RunAsync(context, input ?? Console.In, time ?? TimeProvider.System, ct),
    };

    private static async Task<int> RunAsync(PluginCommandContext context, TextReader input, TimeProvider time, CancellationToken cancellationToken)
    {
        string first = context.Arguments["command-or-room"];
        IReadOnlyList<string> rest = context.RemainingArguments;
        if (Array.IndexOf(Verbs, first) < 0)
        {
            return rest.Count == 0
                ? await InteractiveAsync(context, first, input, time, cancellationToken).ConfigureAwait(false)
                : await Usage(context, $"'{first}' is not a chat command; to chat in a room interactively, give the room alone.").ConfigureAwait(false);
        }

        int needed = first switch
        {
            "status" => 0,
            "send" or "dm" => 2,
            _ => 1,
        };
        if (rest.Count < needed || (needed < 2 && rest.Count > needed))
        {
            return await Usage(context, $"'chat {first}' takes {(needed == 2 ? "a target and some text" : needed == 1 ? "one argument" : "no arguments")}.").ConfigureAwait(false);
        }

        string target = needed > 0 ? Uri.EscapeDataString(rest[0]) : "";
        string text = needed == 2 ? string.Join(' ', rest.Skip(1)) : "";
        string limit = context.Options.GetValueOrDefault("limit", "50");
        (string method, string path, string body) = first switch
        {
            "join" => ("POST", $"rooms/{target}", ""),
            "leave" => ("DELETE", $"rooms/{target}", ""),
            "send" => ("POST", $"rooms/{target}/messages", text),
            "dm" => ("POST", $"dm/{target}", text),
            "history" => ("GET", $"{(PeerId.TryParse(rest[0], out _) ? "dm" : "rooms")}/{target}/messages?limit={Uri.EscapeDataString(limit)}", ""),
            "block" => ("POST", $"blocks/{target}", ""),
            "unblock" => ("DELETE", $"blocks/{target}", ""),
            _ => ("GET", "status", ""),
        };

        using JsonDocument? document = await CallAsync(context, method, path, body, cancellationToken).ConfigureAwait(false);
        if (document is null)
        {
            return 1;
        }

        JsonElement root = document.RootElement;
        switch (first)
        {
            case "join":
                await context.Output.WriteLineAsync($"Joined room {rest[0]}.").ConfigureAwait(false);
                break;
            case "leave":
                await context.Output.WriteLineAsync($"Left room {rest[0]}.").ConfigureAwait(false);
                break;
            case "send":
                await context.Output.WriteLineAsync($"Sent {root.GetProperty("id").GetString()} to {rest[0]}.").ConfigureAwait(false);
                break;
            case "dm":
                string id = root.GetProperty("message").GetProperty("id").GetString() ?? "";
                await context.Output.WriteLineAsync(root.GetProperty("delivered").GetBoolean()
                    ? $"Delivered {id}."
                    : $"Queued {id}: the peer is not reachable now; it is delivered when it comes back.").ConfigureAwait(false);
                break;
            case "history":
                await PrintAsync(context.Output, root).ConfigureAwait(false);
                break;
            case "block" or "unblock":
                await context.Output.WriteLineAsync($"{(first == "block" ? "Blocked" : "Unblocked")} {rest[0]}.").ConfigureAwait(false);
                break;
            default:
                await context.Output.WriteLineAsync(root.GetRawText()).ConfigureAwait(false);
                break;
        }

        return 0;
    }

    /// <summary>Joins the room, prints its recent history, then prints new messages as they arrive while sending each line typed.</summary>
    private static async Task<int> InteractiveAsync(PluginCommandContext context, string room, TextReader input, TimeProvider time, CancellationToken cancellationToken)
    {
        string escaped = Uri.EscapeDataString(room);
        using (JsonDocument? joined = await CallAsync(context, "POST", $"rooms/{escaped}", "", cancellationToken).ConfigureAwait(false))
        {
            if (joined is null)
            {
                return 1;
            }
        }

        await context.Output.WriteLineAsync($"In room {room}. Type a message and press Enter; /quit leaves.").ConfigureAwait(false);
        long last;
        using (JsonDocument? history = await CallAsync(context, "GET", $"rooms/{escaped}/messages?limit=20", "", cancellationToken).ConfigureAwait(false))
        {
            if (history is null)
            {
                return 1;
            }

            last = history.RootElement.GetProperty("last").GetInt64();
            await PrintAsync(context.Output, history.RootElement).ConfigureAwait(false);
        }

        // The console's reader blocks, so lines are read on the pool while this loop polls.
        Task<string?> line = Task.Run(() => input.ReadLineAsync(cancellationToken).AsTask(), cancellationToken);
        while (true)
        {
            Task tick = Task.Delay(PollInterval, time, cancellationToken);
            if (await Task.WhenAny(line, tick).ConfigureAwait(false) == line)
            {
                string? text = await line.ConfigureAwait(false);
                if (text is null || text.Trim() == "/quit")
                {
                    return 0;
                }

                if (text.Trim().Length > 0)
                {
                    using JsonDocument? sent = await CallAsync(context, "POST", $"rooms/{escaped}/messages", text, cancellationToken).ConfigureAwait(false);
                }

                line = Task.Run(() => input.ReadLineAsync(cancellationToken).AsTask(), cancellationToken);
            }

            using JsonDocument? news = await CallAsync(context, "GET", $"rooms/{escaped}/messages?after={last.ToString(CultureInfo.InvariantCulture)}", "", cancellationToken).ConfigureAwait(false);
            if (news is not null)
            {
                last = news.RootElement.GetProperty("last").GetInt64();
                await PrintAsync(context.Output, news.RootElement).ConfigureAwait(false);
            }
        }
    }

    private static async Task PrintAsync(TextWriter output, JsonElement root)
    {
        foreach (JsonElement message in root.GetProperty("messages").EnumerateArray())
        {
            DateTimeOffset at = DateTimeOffset.Parse(message.GetProperty("time").GetString()!, CultureInfo.InvariantCulture);
            await output.WriteLineAsync($"{at:HH:mm:ss} {message.GetProperty("display").GetString()}: {Printable(message.GetProperty("text").GetString())}").ConfigureAwait(false);
        }
    }

    /// <summary>Text with control characters shown as '?', so a message cannot rewrite the terminal.</summary>
    private static string Printable(string? text)
    {
        var builder = new StringBuilder(text ?? "");
        for (int i = 0; i < builder.Length; i++)
        {
            if (char.IsControl(builder[i]))
            {
                builder[i] = '?';
            }
        }

        return builder.ToString();
    }

    private static async Task<int> Usage(PluginCommandContext context, string message)
    {
        await context.Error.WriteLineAsync(message + " Usage: meshhost chat join|leave|history ROOM | send ROOM TEXT | dm NODEID TEXT | block|unblock NODEID | status | ROOM").ConfigureAwait(false);
        return 2;
    }

    /// <summary>Calls an endpoint; a 2xx body as JSON, or null after printing the API's error.</summary>
    private static async Task<JsonDocument?> CallAsync(PluginCommandContext context, string method, string path, string body, CancellationToken cancellationToken)
    {
        ControlApiResponse response = await context.Node.SendAsync(method, path, Encoding.UTF8.GetBytes(body), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is >= 200 and < 300)
        {
            return JsonDocument.Parse(response.Body);
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

        await context.Error.WriteLineAsync(message).ConfigureAwait(false);
        return null;
    }
}
