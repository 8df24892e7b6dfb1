using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using MeshHost.Dht;
using MeshHost.Dht.Protocol;
using MeshHost.Dht.Records;
using MeshHost.Mesh.Connections;
using MeshHost.Mesh.Protocol;
using MeshHost.MessagePack;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh;

public sealed partial class MeshNode
{
    /// <summary>The most DHT requests this node waits on at once; more fail at once.</summary>
    internal const int MaxPendingDhtRequests = 4096;

    /// <summary>DHT requests answered per peer per second, and the burst allowed (a lookup sends a few; a refresh a few dozen).</summary>
    internal const double DhtRequestsPerSecond = 50;

    internal const double DhtRequestBurst = 200;

    private const byte DhtRequestTag = 0;
    private const byte DhtResponseTag = 1;
    private static readonly byte[] ContentKeyTag = "meshhost-content-v1"u8.ToArray();
    private static readonly byte[] TopicKeyTag = "meshhost-topic-v1"u8.ToArray();

    private readonly ConcurrentDictionary<(NodeId Peer, ulong RequestId), TaskCompletionSource<DhtResponse?>> _pendingDht = new();

    /// <summary>Finds a node: its live session, else its signed peer record in the DHT.</summary>
    public async Task<PeerLookup> FindPeerAsync(NodeId id, CancellationToken cancellationToken = default)
    {
        if (GetReadyConnection(id) is { } live)
        {
            return new PeerLookup(id, true, true, [live.Session.RemoteEndPoint], [], 0);
        }

        return await LookUpPeerRecordAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Looks up the peer record in the DHT, even when a session exists (its class and relays).</summary>
    internal async Task<PeerLookup> LookUpPeerRecordAsync(NodeId id, CancellationToken cancellationToken)
    {
        LookupResult result = await _dht.FindPeerAsync(id, cancellationToken).ConfigureAwait(false);
        List<IPEndPoint> endPoints = EndPointsFromPeerRecords(id, result.Records, out List<Nat.RelayEndPoint> relays, out Nat.NatClass natClass);
        if (endPoints.Count == 0)
        {
            foreach (DhtContact contact in result.Closest)
            {
                if (contact.Id == id)
                {
                    endPoints.Add(contact.EndPoint);
                }
            }
        }

        return new PeerLookup(id, endPoints.Count > 0 || relays.Count > 0, false, endPoints, result.Closest, result.Hops) { Relays = relays, NatClass = natClass };
    }

    /// <inheritdoc/>
    public Task<int> ProvideAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default) =>
        _dht.ProvideAsync(HashKey(ContentKeyTag, key.Span), OwnPeerInfo(), cancellationToken);

    /// <inheritdoc/>
    public void StopProviding(ReadOnlyMemory<byte> key) => _dht.StopPublishing(RecordKind.Provider, HashKey(ContentKeyTag, key.Span));

    /// <inheritdoc/>
    public async Task<IReadOnlyList<PeerId>> FindProvidersAsync(ReadOnlyMemory<byte> key, int maxCount = 20, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        List<NodeId> providers = await FindProviderIdsAsync(HashKey(ContentKeyTag, key.Span), maxCount, cancellationToken).ConfigureAwait(false);
        var result = new List<PeerId>(providers.Count);
        foreach (NodeId provider in providers)
        {
            result.Add(provider.ToPeerId());
        }

        return result;
    }

    internal static NodeId TopicKey(string topic) => HashKey(TopicKeyTag, System.Text.Encoding.UTF8.GetBytes(topic));

    internal async Task<List<NodeId>> FindProviderIdsAsync(NodeId recordKey, int maxCount, CancellationToken cancellationToken)
    {
        LookupResult result = await _dht.FindProvidersAsync(recordKey, cancellationToken).ConfigureAwait(false);
        var providers = new List<NodeId>();
        foreach (WireRecord? record in result.Records)
        {
            if (record is null)
            {
                continue;
            }

            NodeId publisher = DhtRecords.PublisherId(record);
            if (publisher == default || publisher == Id || providers.Contains(publisher))
            {
                continue;
            }

            providers.Add(publisher);
            RememberEndPoints(publisher, DecodePeerInfo(record.Value));
            if (providers.Count == maxCount)
            {
                break;
            }
        }

        return providers;
    }

    private static NodeId HashKey(byte[] tag, ReadOnlySpan<byte> key)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(tag);
        hash.AppendData(key);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return new NodeId(digest);
    }

    /// <summary>A record's value as PeerInfo; null when it does not decode or holds nil where lists belong (records are signed, not trusted).</summary>
    private static PeerInfo? DecodePeerInfo(byte[]? value)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            PeerInfo? info = MessagePackSerializer.Deserialize<PeerInfo>(value);
            return info is { EndPoints: not null, Relays: not null } ? info : null;
        }
        catch (MessagePackSerializationException)
        {
            return null;
        }
    }

    private List<IPEndPoint> EndPointsFromPeerRecords(NodeId id, IReadOnlyList<WireRecord> records, out List<Nat.RelayEndPoint> relays, out Nat.NatClass natClass)
    {
        var endPoints = new List<IPEndPoint>();
        relays = [];
        natClass = Nat.NatClass.Unknown;
        bool newest = true;
        foreach (WireRecord record in records.OrderByDescending(static r => r.IssuedAtMs))
        {
            if (DhtRecords.PublisherId(record) != id || DecodePeerInfo(record.Value) is not { } info)
            {
                continue;
            }

            // Class and relays come from the newest record only; addresses from every one.
            bool first = newest;
            newest = false;
            if (first && info.NatClass <= (byte)Nat.NatClass.Symmetric)
            {
                natClass = (Nat.NatClass)info.NatClass;
            }

            foreach (WireContact? wire in first ? info.Relays : [])
            {
                if (wire is not null && relays.Count < 4 && DhtCodec.TryFromWire(wire, out DhtContact relay) && relay.Id != id
                    && !relays.Exists(r => r.Id == relay.Id))
                {
                    relays.Add(new Nat.RelayEndPoint(relay.Id, relay.EndPoint));
                }
            }

            foreach (WireContact? wire in info.EndPoints)
            {
                if (wire is not null && DhtCodec.TryFromWire(wire with { Id = id.ToArray() }, out DhtContact contact) && !endPoints.Contains(contact.EndPoint))
                {
                    endPoints.Add(contact.EndPoint);
                }
            }
        }

        return endPoints;
    }

    private void HandleDht(PeerConnection connection, ReadOnlySpan<byte> message)
    {
        if (message.Length < 2)
        {
            Interlocked.Increment(ref _counters.DroppedMalformed);
            return;
        }

        int maxBytes = _dht.Options.MaxMessageBytes;
        if (message[0] == DhtRequestTag)
        {
            if (!connection.TryTakeDhtRequest(_time, DhtRequestsPerSecond, DhtRequestBurst))
            {
                Interlocked.Increment(ref _counters.DroppedRateLimited);
                return; // the asker times out and tries another node
            }

            DhtRequest? request = DhtCodec.DecodeRequest(message[1..], maxBytes);
            if (request is null)
            {
                Interlocked.Increment(ref _counters.DroppedMalformed);
                MeshLog.Malformed(_logger, "DHT request", connection.Id.ToShortString());
                return;
            }

            DhtResponse response = _dht.Handle(new DhtContact(connection.Id, connection.Session.RemoteEndPoint), request);
            SendDhtFrame(connection.Session, DhtResponseTag, DhtCodec.Encode(response));
            return;
        }

        DhtResponse? reply = message[0] == DhtResponseTag ? DhtCodec.DecodeResponse(message[1..], maxBytes) : null;
        if (reply is null)
        {
            Interlocked.Increment(ref _counters.DroppedMalformed);
            MeshLog.Malformed(_logger, "DHT response", connection.Id.ToShortString());
            return;
        }

        // Keyed by the authenticated sender: nobody else can answer a request sent to this peer.
        if (_pendingDht.TryRemove((connection.Id, reply.RequestId), out TaskCompletionSource<DhtResponse?>? pending))
        {
            bool honest = reply is not PongResponse pong || (pong.NodeId.Length == NodeId.Size && new NodeId(pong.NodeId) == connection.Id);
            pending.TrySetResult(honest ? reply : null);
        }
    }

    private static void SendDhtFrame(Session session, byte tag, byte[] body)
    {
        byte[] frame = new byte[body.Length + 1];
        frame[0] = tag;
        body.CopyTo(frame, 1);
        session.TrySend(MeshChannels.Dht, DeliveryMethod.ReliableUnordered, frame);
    }

    private async ValueTask<DhtResponse?> SendDhtRequestAsync(DhtContact to, DhtRequest request, CancellationToken cancellationToken)
    {
        if (to.Id == Id || _pendingDht.Count >= MaxPendingDhtRequests)
        {
            return null;
        }

        PeerConnection connection;
        try
        {
            connection = (to.Id != default ? GetReadyConnection(to.Id) : null)
                ?? await DialEndPointAsync(to.EndPoint, to.Id == default ? null : to.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MeshException or TimeoutException or HandshakeFailedException or OperationCanceledException or ObjectDisposedException)
        {
            return null;
        }

        var key = (connection.Id, request.RequestId);
        var pending = new TaskCompletionSource<DhtResponse?>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pendingDht.TryAdd(key, pending))
        {
            return null;
        }

        try
        {
            SendDhtFrame(connection.Session, DhtRequestTag, DhtCodec.Encode(request));
            using CancellationTokenRegistration registration = cancellationToken.Register(
                static s => ((TaskCompletionSource<DhtResponse?>)s!).TrySetResult(null), pending);
            return await pending.Task.ConfigureAwait(false);
        }
        finally
        {
            _pendingDht.TryRemove(key, out _);
        }
    }

    /// <summary>The outbound half of the DHT's RPC seam, over this node's sessions.</summary>
    private sealed class DhtRpc(MeshNode node) : IDhtRpcClient
    {
        public ValueTask<DhtResponse?> SendAsync(DhtContact to, DhtRequest request, CancellationToken cancellationToken) =>
            node.SendDhtRequestAsync(to, request, cancellationToken);
    }
}
