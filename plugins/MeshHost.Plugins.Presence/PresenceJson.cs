using System.Buffers;
using System.Text;
using System.Text.Json;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Presence;

/// <summary>
/// The control API's JSON, written with <see cref="Utf8JsonWriter"/>: no reflection-based
/// serializer, whose caches would keep the plugin's types (and so its load context) alive.
/// </summary>
internal static class PresenceJson
{
    /// <summary><c>{"self", "name", "intervalSeconds", "peers": [{"id", "name", "sequence", "intervalSeconds", "lastSeenSeconds"}], "counters": {...}}</c>.</summary>
    public static string Online(PeerId self, PresenceOptions options, IReadOnlyList<PresenceEntry> peers, PresenceCounters counters) =>
        Write((self, options, peers, counters), static (json, state) =>
        {
            json.WriteString("self", state.self.ToString());
            json.WriteString("name", state.options.Name);
            json.WriteNumber("intervalSeconds", state.options.Interval.TotalSeconds);
            json.WriteStartArray("peers");
            foreach (PresenceEntry peer in state.peers)
            {
                json.WriteStartObject();
                json.WriteString("id", peer.Peer.ToString());
                json.WriteString("name", peer.Name);
                json.WriteNumber("sequence", peer.Sequence);
                json.WriteNumber("intervalSeconds", peer.Interval.TotalSeconds);
                json.WriteNumber("lastSeenSeconds", Math.Round(peer.LastSeen.TotalSeconds, 3));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("counters");
            json.WriteNumber("accepted", state.counters.Accepted);
            json.WriteNumber("rejected", state.counters.Rejected);
            json.WriteNumber("stale", state.counters.Stale);
            json.WriteNumber("expired", state.counters.Expired);
            json.WriteNumber("evicted", state.counters.Evicted);
            json.WriteEndObject();
        });

    /// <summary><c>{"peer", "roundTripMilliseconds"}</c>.</summary>
    public static string Pong(PeerId peer, TimeSpan roundTrip) =>
        Write((peer, roundTrip), static (json, state) =>
        {
            json.WriteString("peer", state.peer.ToString());
            json.WriteNumber("roundTripMilliseconds", Math.Round(state.roundTrip.TotalMilliseconds, 3));
        });

    private static string Write<TState>(TState state, Action<Utf8JsonWriter, TState> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            body(json, state);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
