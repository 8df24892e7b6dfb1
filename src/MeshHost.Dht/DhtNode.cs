using MeshHost.Dht.Protocol;
using MeshHost.Dht.Records;
using MeshHost.Dht.Routing;
using MeshHost.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MeshHost.Dht;

/// <summary>
/// One Kademlia node: a routing table, a bounded record store, iterative lookups and the
/// maintenance that keeps them fresh (bucket refresh, republish, routing-table saves). It talks to
/// other nodes only through <see cref="IDhtRpcClient"/> and answers them through
/// <see cref="Handle"/>, so the same code runs over transport sessions and in simulation.
/// </summary>
/// <remarks>
/// Thread-safe: one lock guards the routing table and store; lookups run concurrently. All times
/// come from the <see cref="TimeProvider"/>. Continuations run where the RPC client completes its
/// tasks (the library never forces a thread hop), which keeps simulations deterministic.
/// </remarks>
public sealed partial class DhtNode : IDhtRequestHandler, IAsyncDisposable
{
    private readonly Lock _sync = new();
    private readonly RoutingTable _table;
    private readonly RecordStore _store;
    private readonly IDhtRpcClient _rpc;
    private readonly Random _random;
    private readonly ILogger _logger;
    private long _nextRequestId;

    /// <summary>Creates a node. Call <see cref="BootstrapAsync"/> to join, and <see cref="Start"/> for periodic maintenance.</summary>
    /// <param name="id">This node's id.</param>
    /// <param name="rpc">The outbound half of the RPC seam.</param>
    /// <param name="options">Parameters; null for the defaults.</param>
    /// <param name="timeProvider">The clock; null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="identity">The key that signs this node's own records; null if it publishes none. Its id must be <paramref name="id"/>.</param>
    /// <param name="validator">Record checks (shareable: its signature cache is keyed by bytes); null for a private one.</param>
    /// <param name="random">Randomness for request ids and refresh targets; null for a new unseeded one.</param>
    /// <param name="logger">Where to log; null for none.</param>
    public DhtNode(
        NodeId id,
        IDhtRpcClient rpc,
        DhtOptions? options = null,
        TimeProvider? timeProvider = null,
        NodeIdentity? identity = null,
        RecordValidator? validator = null,
        Random? random = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        if (identity is not null && identity.Id != id)
        {
            throw new ArgumentException("The identity's id is not the node's id.", nameof(identity));
        }

        Id = id;
        _rpc = rpc;
        Options = options ?? new DhtOptions();
        Time = timeProvider ?? TimeProvider.System;
        Identity = identity;
        Validator = validator ?? new RecordValidator(Options);
        _random = random ?? new Random();
        _logger = logger ?? NullLogger.Instance;
        _table = new RoutingTable(id, Options);
        _store = new RecordStore(Options);
        _nextRequestId = _random.NextInt64();
    }

    /// <summary>This node's id.</summary>
    public NodeId Id { get; }

    /// <summary>The parameters in force.</summary>
    public DhtOptions Options { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>The key that signs this node's records, if any.</summary>
    public NodeIdentity? Identity { get; }

    /// <summary>The record checks applied to STOREs and lookup answers.</summary>
    public RecordValidator Validator { get; }

    /// <summary>How many contacts the routing table holds.</summary>
    public int RoutingTableCount
    {
        get
        {
            lock (_sync)
            {
                return _table.Count;
            }
        }
    }

    /// <summary>How many records this node stores for others.</summary>
    public int StoredRecordCount
    {
        get
        {
            lock (_sync)
            {
                return _store.Count;
            }
        }
    }

    internal RoutingTable Table => _table;

    /// <summary>The routing table's contacts (a copy).</summary>
    public IReadOnlyList<DhtContact> GetContacts()
    {
        lock (_sync)
        {
            return _table.All();
        }
    }

    /// <summary>The known contacts closest to <paramref name="target"/>, closest first.</summary>
    public IReadOnlyList<DhtContact> GetClosest(NodeId target, int count)
    {
        lock (_sync)
        {
            return _table.Closest(target, count);
        }
    }

    /// <inheritdoc/>
    public DhtResponse Handle(DhtContact from, DhtRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (from.Id != default && from.Id != Id)
        {
            // The transport authenticated the sender, so it has proved its key: a routing-table candidate.
            Observe(from);
        }

        long nowMs = Time.GetUtcNow().ToUnixTimeMilliseconds();
        switch (request)
        {
            case PingRequest:
                return new PongResponse { RequestId = request.RequestId, NodeId = Id.ToArray() };

            case FindNodeRequest find when find.Target is { Length: NodeId.Size }:
                return new NodesResponse { RequestId = request.RequestId, Contacts = ClosestForWire(new NodeId(find.Target), from.Id) };

            case FindValueRequest find when find.Key is { Length: NodeId.Size }:
            {
                var key = new NodeId(find.Key);
                WireContact[] contacts = ClosestForWire(key, from.Id);
                List<WireRecord> records;
                lock (_sync)
                {
                    records = _store.Get((RecordKind)find.Kind, key, nowMs);
                }

                if (records.Count == 0)
                {
                    return new NodesResponse { RequestId = request.RequestId, Contacts = contacts };
                }

                return new ValueResponse { RequestId = request.RequestId, Records = FitRecords(records, contacts), Contacts = contacts };
            }

            case StoreRequest store:
            {
                RecordVerdict verdict = Validator.Validate(store.Record, Time.GetUtcNow());
                bool stored = false;
                if (verdict == RecordVerdict.Valid)
                {
                    lock (_sync)
                    {
                        stored = _store.Put(store.Record!, nowMs);
                    }
                }
                else
                {
                    DhtLog.RecordRefused(_logger, from.Id.ToShortString(), verdict);
                }

                return new StoreResponse { RequestId = request.RequestId, Stored = stored };
            }

            default:
                return new ErrorResponse { RequestId = request.RequestId, Reason = "malformed request" };
        }
    }

    /// <summary>Stops the maintenance timers and saves the routing table when a data directory is set.</summary>
    public ValueTask DisposeAsync()
    {
        StopMaintenance();
        SaveRoutingTable();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Offers a contact whose id the transport has just authenticated (a session completed its
    /// handshake with it): a routing-table candidate under the usual bucket and IP-group rules.
    /// </summary>
    public void AddAuthenticatedContact(DhtContact contact)
    {
        if (contact.Id != default && contact.Id != Id)
        {
            Observe(contact);
        }
    }

    /// <summary>Adds a contact that has proved itself alive; a full bucket pings its least-recently-seen entry.</summary>
    internal void Observe(DhtContact contact)
    {
        DhtContact? toPing;
        lock (_sync)
        {
            _table.TryAdd(contact, out toPing);
        }

        if (toPing is DhtContact lrs)
        {
            _ = PingLeastRecentlySeenAsync(lrs);
        }
    }

    internal void ReportFailure(DhtContact contact)
    {
        lock (_sync)
        {
            _table.OnFailure(contact.Id);
        }
    }

    internal ulong NextRequestId() => (ulong)Interlocked.Increment(ref _nextRequestId);

    private async Task PingLeastRecentlySeenAsync(DhtContact lrs)
    {
        bool alive = false;
        try
        {
            alive = await CallAsync(lrs, new PingRequest(), Options.MaxRetries, CancellationToken.None).ConfigureAwait(false) is not null;
        }
        catch (Exception e)
        {
            DhtLog.BackgroundFailed(_logger, "ping", e);
        }

        lock (_sync)
        {
            _table.OnPingResult(lrs, alive);
        }
    }

    private WireContact[] ClosestForWire(NodeId target, NodeId exclude)
    {
        List<DhtContact> closest;
        lock (_sync)
        {
            closest = _table.Closest(target, Options.K + 1);
        }

        var wire = new List<WireContact>(Options.K);
        foreach (DhtContact contact in closest)
        {
            if (contact.Id != exclude && wire.Count < Options.K)
            {
                wire.Add(DhtCodec.ToWire(contact));
            }
        }

        return [.. wire];
    }

    /// <summary>Keeps the newest records that fit in the response size limit beside the contacts.</summary>
    private WireRecord[] FitRecords(List<WireRecord> records, WireContact[] contacts)
    {
        // 64 bytes of envelope, ~60 per contact; each record costs its signed size plus the signature.
        int budget = Options.MaxMessageBytes - 64 - (contacts.Length * 64);
        var fitted = new List<WireRecord>(records.Count);
        foreach (WireRecord record in records)
        {
            int size = record.Value.Length + record.Key.Length + record.PublisherKey.Length + record.Signature.Length
                + record.Namespace.Length * 3 + record.Name.Length * 3 + 48;
            if (size > budget)
            {
                break;
            }

            budget -= size;
            fitted.Add(record);
        }

        return [.. fitted];
    }
}
