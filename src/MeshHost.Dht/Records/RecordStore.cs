using MeshHost.Dht.Protocol;
using MeshHost.Transport;

namespace MeshHost.Dht.Records;

/// <summary>
/// Records this node keeps for others, bounded in total, per key (providers) and per publisher.
/// A peer or value record replaces an older one from the same publisher under the same key; a
/// provider record replaces the same provider's older record. When a limit is reached new records
/// are refused (the publisher stores on the other k-1 nodes) rather than evicting valid ones,
/// which a flood could otherwise use to wipe honest records.
/// </summary>
/// <remarks>Not thread-safe: <see cref="DhtNode"/> guards it with its lock.</remarks>
internal sealed class RecordStore(DhtOptions options)
{
    private readonly Dictionary<(byte Kind, NodeId Key), List<Stored>> _byKey = new();
    private readonly Dictionary<NodeId, int> _perPublisher = new();

    public int Count { get; private set; }

    /// <summary>Stores an already validated record; false when a limit refuses it or a newer one is held.</summary>
    public bool Put(WireRecord record, long nowMs)
    {
        var slot = (record.Kind, new NodeId(record.Key));
        NodeId publisher = DhtRecords.PublisherId(record);
        if (!_byKey.TryGetValue(slot, out List<Stored>? list))
        {
            list = new List<Stored>(1);
            _byKey[slot] = list;
        }

        Purge(list, nowMs);
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i].Publisher == publisher)
            {
                if (list[i].Record.IssuedAtMs > record.IssuedAtMs)
                {
                    return false;
                }

                list[i] = new Stored(record, publisher);
                return true;
            }
        }

        int limitPerKey = record.Kind == (byte)RecordKind.Provider ? options.MaxProvidersPerKey : 1;
        if (record.Kind != (byte)RecordKind.Provider && list.Count > 0)
        {
            // Peer and value keys belong to one publisher; anyone else's record there failed validation already.
            return false;
        }

        if (list.Count >= limitPerKey || Count >= options.MaxStoredRecords || _perPublisher.GetValueOrDefault(publisher) >= options.MaxRecordsPerPublisher)
        {
            if (list.Count == 0)
            {
                _byKey.Remove(slot);
            }

            return false;
        }

        list.Add(new Stored(record, publisher));
        _perPublisher[publisher] = _perPublisher.GetValueOrDefault(publisher) + 1;
        Count++;
        return true;
    }

    /// <summary>Unexpired records under a key, newest first.</summary>
    public List<WireRecord> Get(RecordKind kind, NodeId key, long nowMs)
    {
        var result = new List<WireRecord>();
        if (_byKey.TryGetValue(((byte)kind, key), out List<Stored>? list))
        {
            Purge(list, nowMs);
            foreach (Stored stored in list)
            {
                result.Add(stored.Record);
            }

            result.Sort(static (a, b) => b.IssuedAtMs.CompareTo(a.IssuedAtMs));
        }

        return result;
    }

    /// <summary>Drops every expired record.</summary>
    public void PurgeAll(long nowMs)
    {
        List<(byte, NodeId)>? empty = null;
        foreach (KeyValuePair<(byte Kind, NodeId Key), List<Stored>> pair in _byKey)
        {
            Purge(pair.Value, nowMs);
            if (pair.Value.Count == 0)
            {
                (empty ??= new()).Add(pair.Key);
            }
        }

        if (empty is not null)
        {
            foreach ((byte, NodeId) key in empty)
            {
                _byKey.Remove(key);
            }
        }
    }

    private void Purge(List<Stored> list, long nowMs)
    {
        for (int i = list.Count - 1; i >= 0; i--)
        {
            if (list[i].Record.ExpiresAtMs <= nowMs)
            {
                NodeId publisher = list[i].Publisher;
                list.RemoveAt(i);
                Count--;
                int left = _perPublisher.GetValueOrDefault(publisher) - 1;
                if (left <= 0)
                {
                    _perPublisher.Remove(publisher);
                }
                else
                {
                    _perPublisher[publisher] = left;
                }
            }
        }
    }

    private readonly record struct Stored(WireRecord Record, NodeId Publisher);
}
