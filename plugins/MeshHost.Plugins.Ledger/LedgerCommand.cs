using System.Globalization;
using System.Text;
using System.Text.Json;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger;

/// <summary>
/// <c>meshhost ledger</c>: <c>balance [NODEID]</c>, <c>send TO AMOUNT [--fee F]</c>, <c>block N|latest</c>,
/// <c>status</c>, <c>mine</c>. Runs in the CLI process and reaches the node through the control API.
/// </summary>
internal static class LedgerCommand
{
    public static PluginCommand Create() => new()
    {
        Name = "ledger",
        Description = "Ledger: balance [NODEID], send TO AMOUNT [--fee F], block N|latest, status, mine.",
        Arguments = [new PluginCommandArgument("command", "balance, send, block, status or mine.")],
        RemainingArguments = new PluginCommandArgument("args", "balance: an optional NodeId; send: the recipient's NodeId and the amount; block: a height or 'latest'."),
        Options = [new PluginCommandArgument("fee", "send: the fee (default: the node's minimum).")],
        Run = RunAsync,
    };

    private static async Task<int> RunAsync(PluginCommandContext context, CancellationToken cancellationToken)
    {
        string command = context.Arguments["command"];
        IReadOnlyList<string> args = context.RemainingArguments;
        (string method, string path, string body)? call = (command, args.Count) switch
        {
            ("balance", 0) => ("GET", "balance", ""),
            ("balance", 1) => ("GET", "balance/" + Uri.EscapeDataString(args[0]), ""),
            ("send", 2) => SendCall(context, args),
            ("block", 1) => ("GET", "blocks/" + Uri.EscapeDataString(args[0]), ""),
            ("status", 0) => ("GET", "status", ""),
            ("mine", 0) => ("POST", "mine", ""),
            _ => null,
        };
        if (call is not { } request)
        {
            await context.Error.WriteLineAsync($"'ledger {command}' with {args.Count} argument(s) is not a ledger command. Usage: meshhost ledger balance [NODEID] | send TO AMOUNT [--fee F] | block N|latest | status | mine").ConfigureAwait(false);
            return 2;
        }

        ControlApiResponse response = await context.Node.SendAsync(request.method, request.path, Encoding.UTF8.GetBytes(request.body), cancellationToken).ConfigureAwait(false);
        using JsonDocument document = ParseOrEmpty(response.Body);
        JsonElement root = document.RootElement;
        if (response.StatusCode is < 200 or >= 300)
        {
            string message = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out JsonElement text) ? text.GetString() ?? "" : $"The node answered {response.StatusCode}.";
            await context.Error.WriteLineAsync(message).ConfigureAwait(false);
            return 1;
        }

        string line = command switch
        {
            "balance" => $"{root.GetProperty("account").GetString()}: {root.GetProperty("balance").GetInt64()} (next nonce {root.GetProperty("nonce").GetInt64()}, at block {root.GetProperty("height").GetInt64()})",
            "send" => $"Sent {args[1]} to {args[0]}: transfer {root.GetProperty("id").GetString()} (nonce {root.GetProperty("nonce").GetInt64()}, fee {root.GetProperty("fee").GetInt64()}); it counts once a block includes it.",
            "mine" => $"Produced block {root.GetProperty("height").GetInt64()} {root.GetProperty("hash").GetString()} with {root.GetProperty("transactions").GetArrayLength()} transfer(s).",
            _ => root.GetRawText(),
        };
        await context.Output.WriteLineAsync(line).ConfigureAwait(false);
        return 0;
    }

    private static (string, string, string) SendCall(PluginCommandContext context, IReadOnlyList<string> args)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("to", args[0]);
            if (ulong.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong amount))
            {
                writer.WriteNumber("amount", amount);
            }
            else
            {
                writer.WriteString("amount", args[1]);
            }

            if (context.Options.TryGetValue("fee", out string? feeText) && ulong.TryParse(feeText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong fee))
            {
                writer.WriteNumber("fee", fee);
            }
            else if (context.Options.ContainsKey("fee"))
            {
                writer.WriteString("fee", context.Options["fee"]);
            }

            writer.WriteEndObject();
        }

        return ("POST", "transfers", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static JsonDocument ParseOrEmpty(ReadOnlyMemory<byte> body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return JsonDocument.Parse("{}");
        }
    }
}
