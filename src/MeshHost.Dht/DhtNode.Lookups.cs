using MeshHost.Dht.Protocol;
using MeshHost.Dht.Records;
using MeshHost.Transport;

namespace MeshHost.Dht;

public sealed partial class DhtNode
{
    private readonly Dictionary<(byte Kind, NodeId Key), Published> _published = new();

    /// <summary>Finds the k nodes closest to <paramref name="target"/> (iterative FIND_NODE).</summary>
    public Task<LookupResult> FindNodeAsync(NodeId target, CancellationToken cancellationToken = default)
        => new Lookup(this, target, null, cancellationToken).RunAsync(GetClosest(target, Options.K));

    /// <summary>
    /// Looks up the records of <paramref name="kind"/> stored under <paramref name="key"/>
    /// (iterative FIND_VALUE); stops at the first node that returns a valid one. Records this node
    /// stores itself are included.
    /// </summary>
    public async Task<LookupResult> FindValueAsync(RecordKind kind, NodeId key, CancellationToken cancellationToken = default)
    {
        List<WireRecord> local;
        lock (_sync)
        {
            local = _store.Get(kind, key, Time.GetUtcNow().ToUnixTimeMilliseconds());
        }

        // Answer from the local store only with records someone else published: a node that provides a
        // key itself (a file-share seeder) must still look in the network for the other providers.
        if (kind == RecordKind.Provider)
        {
            local.RemoveAll(record => DhtRecords.PublisherId(record) == Id);
        }

        if (local.Count > 0)
        {
            return new LookupResult([], local, 0, 0, 0);
        }

        return await new Lookup(this, key, kind, cancellationToken).RunAsync(GetClosest(key, Options.K)).ConfigureAwait(false);
    }

    /// <summary>Finds providers of <paramref name="contentKey"/>.</summary>
    public Task<LookupResult> FindProvidersAsync(NodeId contentKey, CancellationToken cancellationToken = default)
        => FindValueAsync(RecordKind.Provider, contentKey, cancellationToken);

    /// <summary>Finds the peer record of <paramref name="node"/>.</summary>
    public Task<LookupResult> FindPeerAsync(NodeId node, CancellationToken cancellationToken = default)
        => FindValueAsync(RecordKind.Peer, node, cancellationToken);

    /// <summary>Finds the plugin value <paramref name="name"/> in <paramref name="namespace"/> published by <paramref name="publisher"/>.</summary>
    public Task<LookupResult> GetValueAsync(string @namespace, NodeId publisher, string name, CancellationToken cancellationToken = default)
        => FindValueAsync(RecordKind.Value, DhtRecords.ValueKey(@namespace, publisher, name), cancellationToken);

    /// <summary>Announces that this node provides <paramref name="contentKey"/>, and keeps announcing it every <see cref="DhtOptions.RepublishInterval"/>.</summary>
    /// <returns>How many nodes stored the record.</returns>
    public Task<int> ProvideAsync(NodeId contentKey, PeerInfo info, CancellationToken cancellationToken = default)
        => PublishOwnAsync(RecordKind.Provider, contentKey, () => DhtRecords.CreateProvider(RequireIdentity(), contentKey, info, Time.GetUtcNow(), Options.RecordTtl), cancellationToken);

    /// <summary>Publishes this node's peer record, and keeps it published.</summary>
    /// <returns>How many nodes stored the record.</returns>
    public Task<int> PublishPeerAsync(PeerInfo info, CancellationToken cancellationToken = default)
        => PublishOwnAsync(RecordKind.Peer, Id, () => DhtRecords.CreatePeer(RequireIdentity(), info, Time.GetUtcNow(), Options.RecordTtl), cancellationToken);

    /// <summary>Publishes a plugin value (at most <see cref="DhtOptions.MaxRecordValueBytes"/>), and keeps it published.</summary>
    /// <returns>How many nodes stored the record.</returns>
    public Task<int> PutValueAsync(string @namespace, string name, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
        => PublishOwnAsync(RecordKind.Value, DhtRecords.ValueKey(@namespace, Id, name), () => DhtRecords.CreateValue(RequireIdentity(), @namespace, name, value.Span, Time.GetUtcNow(), Options.RecordTtl), cancellationToken);

    /// <summary>
    /// Stores an already signed record on the k nodes closest to its key (and here, when this node
    /// is among them). Does not republish it.
    /// </summary>
    /// <returns>How many nodes stored the record.</returns>
    public async Task<int> StoreAsync(WireRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var key = new NodeId(record.Key);
        LookupResult closest = await FindNodeAsync(key, cancellationToken).ConfigureAwait(false);
        var pending = new List<ValueTask<DhtResponse?>>(closest.Closest.Count);
        foreach (DhtContact contact in closest.Closest)
        {
            pending.Add(CallAsync(contact, new StoreRequest { Record = record }, Options.MaxRetries, cancellationToken));
        }

        int stored = 0;
        foreach (ValueTask<DhtResponse?> call in pending)
        {
            if (await call.ConfigureAwait(false) is StoreResponse { Stored: true })
            {
                stored++;
            }
        }

        bool selfAmongClosest = closest.Closest.Count < Options.K
            || (Id ^ key) < (closest.Closest[^1].Id ^ key);
        if (selfAmongClosest && Validator.Validate(record, Time.GetUtcNow()) == RecordVerdict.Valid)
        {
            lock (_sync)
            {
                if (_store.Put(record, Time.GetUtcNow().ToUnixTimeMilliseconds()))
                {
                    stored++;
                }
            }
        }

        return stored;
    }

    /// <summary>
    /// Stops republishing the record of <paramref name="kind"/> this node publishes under
    /// <paramref name="key"/>; copies already stored expire on their own.
    /// </summary>
    /// <returns>False when this node published no such record.</returns>
    public bool StopPublishing(RecordKind kind, NodeId key)
    {
        lock (_sync)
        {
            return _published.Remove(((byte)kind, key));
        }
    }

    /// <summary>Re-signs and re-stores every record this node publishes (normally run by the republish timer).</summary>
    public async Task RepublishAsync(CancellationToken cancellationToken = default)
    {
        List<Published> published;
        lock (_sync)
        {
            published = [.. _published.Values];
        }

        foreach (Published entry in published)
        {
            await StoreAsync(entry.Create(), cancellationToken).ConfigureAwait(false);
        }
    }

    internal void OnLookupFinished(NodeId target)
    {
        lock (_sync)
        {
            _table.Touch(target, Time.GetTimestamp());
        }
    }

    private Task<int> PublishOwnAsync(RecordKind kind, NodeId key, Func<WireRecord> create, CancellationToken cancellationToken)
    {
        RequireIdentity();
        lock (_sync)
        {
            _published[((byte)kind, key)] = new Published(create);
        }

        return StoreAsync(create(), cancellationToken);
    }

    private NodeIdentity RequireIdentity() =>
        Identity ?? throw new InvalidOperationException("This node has no identity to sign records with; pass one to the constructor.");

    private sealed record Published(Func<WireRecord> Create);
}
