using System.Text;
using System.Text.Json;
using MeshHost.Plugins.Shared;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Chat;

/// <summary>The control API (<c>/v1/plugins/meshhost.chat/…</c>) and the CLI command.</summary>
public sealed partial class ChatPlugin
{
    /// <inheritdoc/>
    public void MapEndpoints(IControlApiBuilder api)
    {
        api.Map("GET", "status", (_, _) => Task.FromResult(Status()));
        api.Map("POST", "rooms/{room}", (request, _) => Task.FromResult(JoinEndpoint(request)));
        api.Map("DELETE", "rooms/{room}", (request, _) => Task.FromResult(Leave(request.RouteValues["room"])
            ? ControlApiResponse.Json("""{"left":true}""")
            : ControlApiResponse.Error(404, "not-joined", $"This node is not in room '{request.RouteValues["room"]}'.")));
        api.Map("POST", "rooms/{room}/messages", PostEndpointAsync);
        api.Map("GET", "rooms/{room}/messages", (request, _) => Task.FromResult(MessagesEndpoint(request.RouteValues["room"], request)));
        api.Map("POST", "dm/{peer}", DirectEndpointAsync);
        api.Map("GET", "dm/{peer}/messages", (request, _) => Task.FromResult(
            PeerId.TryParse(request.RouteValues["peer"], out PeerId peer)
                ? MessagesEndpoint(ChatStore.DirectConversation(peer), request)
                : BadPeer(request.RouteValues["peer"])));
        api.Map("POST", "blocks/{peer}", (request, _) => Task.FromResult(BlockEndpoint(request, block: true)));
        api.Map("DELETE", "blocks/{peer}", (request, _) => Task.FromResult(BlockEndpoint(request, block: false)));
    }

    /// <inheritdoc/>
    public void AddCommands(ICliBuilder cli) => cli.AddCommand(ChatCommand.Create(CommandInput, CommandTime));

    private static ControlApiResponse BadPeer(string text) =>
        ControlApiResponse.Error(400, "bad-peer", $"'{text}' is not a NodeId (64 hex digits; 'meshhost id' prints one).");

    private static string Text(ControlApiRequest request) => Encoding.UTF8.GetString(request.Body.Span);

    private ControlApiResponse JoinEndpoint(ControlApiRequest request)
    {
        try
        {
            Join(request.RouteValues["room"]);
            return ControlApiResponse.Json("""{"joined":true}""");
        }
        catch (ArgumentException ex)
        {
            return ControlApiResponse.Error(400, "bad-room", ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            return ControlApiResponse.Error(409, "too-many-rooms", ex.Message);
        }
    }

    private async Task<ControlApiResponse> PostEndpointAsync(ControlApiRequest request, CancellationToken cancellationToken)
    {
        string room = request.RouteValues["room"];
        try
        {
            ChatEntry entry = await PostAsync(room, Text(request), cancellationToken).ConfigureAwait(false);
            return ControlApiResponse.Json(JsonText.Object(w => WriteEntry(w, entry)));
        }
        catch (ArgumentException ex)
        {
            return ControlApiResponse.Error(400, "bad-message", ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            return ControlApiResponse.Error(409, "not-joined", ex.Message);
        }
    }

    private async Task<ControlApiResponse> DirectEndpointAsync(ControlApiRequest request, CancellationToken cancellationToken)
    {
        string text = request.RouteValues["peer"];
        if (!PeerId.TryParse(text, out PeerId peer))
        {
            return BadPeer(text);
        }

        try
        {
            (ChatEntry entry, bool delivered) = await SendDirectAsync(peer, Text(request), cancellationToken).ConfigureAwait(false);
            return ControlApiResponse.Json(JsonText.Object(w =>
            {
                w.WriteBoolean("delivered", delivered);
                w.WritePropertyName("message");
                w.WriteStartObject();
                WriteEntry(w, entry);
                w.WriteEndObject();
            }));
        }
        catch (ArgumentException ex)
        {
            return ControlApiResponse.Error(400, "bad-message", ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            return ControlApiResponse.Error(503, "outbox-full", ex.Message);
        }
    }

    /// <summary><c>?after=SEQ</c>: what arrived since, in arrival order; otherwise the history in the shared order. <c>limit</c> 1 to 1000.</summary>
    private ControlApiResponse MessagesEndpoint(string conversation, ControlApiRequest request)
    {
        int limit = 100;
        if (request.Query.TryGetValue("limit", out string? limitText) && (!int.TryParse(limitText, out limit) || limit is < 1 or > 1000))
        {
            return ControlApiResponse.Error(400, "bad-limit", "limit is a whole number from 1 to 1000.");
        }

        long after = -1;
        if (request.Query.TryGetValue("after", out string? afterText) && (!long.TryParse(afterText, out after) || after < 0))
        {
            return ControlApiResponse.Error(400, "bad-after", "after is a sequence number (0 or more) from an earlier answer's 'last'.");
        }

        IReadOnlyList<ChatEntry> entries = after >= 0 ? Since(conversation, after, limit) : History(conversation, limit);
        long last = after >= 0 ? after : 0;
        foreach (ChatEntry entry in entries)
        {
            last = Math.Max(last, entry.Sequence);
        }

        return ControlApiResponse.Json(JsonText.Object(w =>
        {
            w.WriteNumber("last", after >= 0 ? last : Store.LastSequence());
            w.WriteStartArray("messages");
            foreach (ChatEntry entry in entries)
            {
                w.WriteStartObject();
                WriteEntry(w, entry);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }));
    }

    private ControlApiResponse BlockEndpoint(ControlApiRequest request, bool block)
    {
        string text = request.RouteValues["peer"];
        if (!PeerId.TryParse(text, out PeerId peer))
        {
            return BadPeer(text);
        }

        if (block)
        {
            Block(peer);
        }
        else
        {
            Unblock(peer);
        }

        return ControlApiResponse.Json(block ? """{"blocked":true}""" : """{"blocked":false}""");
    }

    private ControlApiResponse Status() => ControlApiResponse.Json(JsonText.Object(w =>
    {
        w.WriteString("self", Context.LocalId.ToString());
        w.WriteString("nick", _options.Nick);
        w.WriteNumber("pendingDirectMessages", PendingDirectMessages);
        w.WriteStartArray("rooms");
        foreach (string room in Rooms)
        {
            w.WriteStartObject();
            w.WriteString("name", room);
            w.WriteStartArray("members");
            foreach (ChatMember member in Members(room))
            {
                w.WriteStringValue(member.Peer.ToString());
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("blocked");
        foreach (PeerId peer in Blocked)
        {
            w.WriteStringValue(peer.ToString());
        }

        w.WriteEndArray();
        w.WriteStartObject("counters");
        w.WriteNumber("accepted", Counters.Accepted);
        w.WriteNumber("duplicates", Counters.Duplicates);
        w.WriteNumber("invalid", Counters.Invalid);
        w.WriteNumber("forged", Counters.Forged);
        w.WriteNumber("blocked", Counters.Blocked);
        w.WriteNumber("rateLimited", Counters.RateLimited);
        w.WriteNumber("expired", Counters.Expired);
        w.WriteEndObject();
    }));

    private static void WriteEntry(Utf8JsonWriter w, ChatEntry entry)
    {
        w.WriteNumber("seq", entry.Sequence);
        w.WriteString("id", entry.Id);
        w.WriteString("conversation", entry.Conversation);
        w.WriteString("author", entry.Author.ToString());
        w.WriteString("nick", entry.Nick);
        w.WriteString("display", entry.Display);
        w.WriteNumber("hlc", entry.Hlc);
        w.WriteString("time", HybridLogicalClock.ToTime(entry.Hlc).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteString("text", entry.Text);
    }
}
