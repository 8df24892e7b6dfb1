using MeshHost.Transport;

namespace MeshHost.Dht.Routing;

/// <summary>What <see cref="RoutingTable.TryAdd"/> did with a contact.</summary>
internal enum AddOutcome
{
    /// <summary>A new entry.</summary>
    Added,

    /// <summary>Already there: moved to the most-recently-seen end.</summary>
    Refreshed,

    /// <summary>The bucket is full: the contact waits in the replacement cache; ping the returned least-recently-seen entry.</summary>
    Cached,

    /// <summary>Refused: our own id, or over an IP-group limit.</summary>
    Rejected,
}

/// <summary>
/// Kademlia's routing table: 256 k-buckets indexed by the length of the prefix a contact shares
/// with our id, each ordered least- to most-recently seen, each with a replacement cache. A full
/// bucket evicts its least-recently-seen entry only after that entry fails a ping
/// (<see cref="OnPingResult"/>) or fails <see cref="DhtOptions.MaxConsecutiveFailures"/> RPCs in a
/// row. IP-group limits (per table and per bucket) bound what one address block can occupy.
/// </summary>
/// <remarks>Not thread-safe: <see cref="DhtNode"/> guards it with its lock.</remarks>
internal sealed class RoutingTable
{
    public const int BucketCount = NodeId.Size * 8;

    private readonly DhtOptions _options;
    private readonly Bucket[] _buckets = new Bucket[BucketCount];
    private readonly Dictionary<IpGroup, int> _groupCounts = new();

    public RoutingTable(NodeId self, DhtOptions options)
    {
        Self = self;
        _options = options;
        for (int i = 0; i < BucketCount; i++)
        {
            _buckets[i] = new Bucket();
        }
    }

    public NodeId Self { get; }

    public int Count { get; private set; }

    public int BucketIndex(NodeId id) => Math.Min(BucketCount - 1, (Self ^ id).LeadingZeroBitCount());

    /// <summary>Adds or refreshes a contact that has just proved itself alive. For <see cref="AddOutcome.Cached"/>, <paramref name="toPing"/> is the entry to ping, unless a ping of it is already pending.</summary>
    public AddOutcome TryAdd(DhtContact contact, out DhtContact? toPing)
    {
        toPing = null;
        if (contact.Id == Self || contact.Id == default)
        {
            return AddOutcome.Rejected;
        }

        Bucket bucket = _buckets[BucketIndex(contact.Id)];
        int index = bucket.IndexOf(contact.Id);
        if (index >= 0)
        {
            Entry existing = bucket.Entries[index];
            bucket.Entries.RemoveAt(index);
            existing.Failures = 0;
            if (!existing.Contact.EndPoint.Equals(contact.EndPoint))
            {
                // A moved node must pass the limits again at its new address.
                Release(existing);
                existing = new Entry(contact, GroupOf(contact));
                if (!WithinLimits(bucket, existing.Group))
                {
                    Count--;
                    Promote(bucket);
                    return AddOutcome.Rejected;
                }

                Claim(existing);
            }

            bucket.Entries.Add(existing);
            return AddOutcome.Refreshed;
        }

        IpGroup? group = GroupOf(contact);
        if (!WithinLimits(bucket, group))
        {
            return AddOutcome.Rejected;
        }

        if (bucket.Entries.Count < _options.K)
        {
            var entry = new Entry(contact, group);
            bucket.Entries.Add(entry);
            Claim(entry);
            Count++;
            return AddOutcome.Added;
        }

        bucket.AddReplacement(contact, _options.ReplacementCacheSize);
        Entry oldest = bucket.Entries[0];
        if (!oldest.PingPending)
        {
            oldest.PingPending = true;
            toPing = oldest.Contact;
        }

        return AddOutcome.Cached;
    }

    /// <summary>The result of pinging a least-recently-seen entry: alive keeps it (as most recent), dead replaces it.</summary>
    public void OnPingResult(DhtContact pinged, bool alive)
    {
        Bucket bucket = _buckets[BucketIndex(pinged.Id)];
        int index = bucket.IndexOf(pinged.Id);
        if (index < 0)
        {
            return;
        }

        Entry entry = bucket.Entries[index];
        entry.PingPending = false;
        bucket.Entries.RemoveAt(index);
        if (alive)
        {
            entry.Failures = 0;
            bucket.Entries.Add(entry);
        }
        else
        {
            Release(entry);
            Count--;
            Promote(bucket);
        }
    }

    /// <summary>Counts a failed RPC; the entry is replaced after too many in a row. Returns whether it was removed.</summary>
    public bool OnFailure(NodeId id)
    {
        Bucket bucket = _buckets[BucketIndex(id)];
        int index = bucket.IndexOf(id);
        if (index < 0)
        {
            bucket.RemoveReplacement(id);
            return false;
        }

        Entry entry = bucket.Entries[index];
        if (++entry.Failures < _options.MaxConsecutiveFailures)
        {
            return false;
        }

        bucket.Entries.RemoveAt(index);
        Release(entry);
        Count--;
        Promote(bucket);
        return true;
    }

    public bool Contains(NodeId id) => _buckets[BucketIndex(id)].IndexOf(id) >= 0;

    /// <summary>Up to <paramref name="count"/> contacts closest to <paramref name="target"/>, closest first.</summary>
    public List<DhtContact> Closest(NodeId target, int count)
    {
        // Bucket b = cpl(self, target) holds the closest contacts; every bucket above b is next
        // (their distance to the target has its top bit at b); then b-1, b-2, ... each farther.
        var found = new List<DhtContact>(count * 2);
        int b = BucketIndex(target);
        AddAll(_buckets[b], found);
        if (found.Count < count)
        {
            for (int i = b + 1; i < BucketCount; i++)
            {
                AddAll(_buckets[i], found);
            }

            for (int i = b - 1; i >= 0 && found.Count < count; i--)
            {
                AddAll(_buckets[i], found);
            }
        }

        found.Sort(new DistanceComparer(target));
        if (found.Count > count)
        {
            found.RemoveRange(count, found.Count - count);
        }

        return found;
    }

    public List<DhtContact> All()
    {
        var all = new List<DhtContact>(Count);
        foreach (Bucket bucket in _buckets)
        {
            AddAll(bucket, all);
        }

        return all;
    }

    /// <summary>Notes that a lookup has covered <paramref name="target"/>'s bucket at <paramref name="now"/>.</summary>
    public void Touch(NodeId target, long now) => _buckets[BucketIndex(target)].LastLookup = now;

    /// <summary>Indices of buckets up to the deepest non-empty one (plus one) not looked up since <paramref name="before"/>.</summary>
    public List<int> StaleBuckets(long before)
    {
        int deepest = 0;
        for (int i = BucketCount - 1; i >= 0; i--)
        {
            if (_buckets[i].Entries.Count > 0)
            {
                deepest = i;
                break;
            }
        }

        var stale = new List<int>();
        for (int i = 0; i <= Math.Min(BucketCount - 1, deepest + 1); i++)
        {
            if (_buckets[i].LastLookup < before)
            {
                stale.Add(i);
            }
        }

        return stale;
    }

    /// <summary>A random id whose bucket is <paramref name="index"/>: our prefix to bit index, that bit flipped, the rest random.</summary>
    public NodeId RandomIdInBucket(int index, Random random)
    {
        Span<byte> self = stackalloc byte[NodeId.Size];
        Self.WriteTo(self);
        Span<byte> id = stackalloc byte[NodeId.Size];
        random.NextBytes(id);
        for (int bit = 0; bit <= index; bit++)
        {
            int byteIndex = bit >> 3;
            byte mask = (byte)(0x80 >> (bit & 7));
            byte want = (byte)(self[byteIndex] & mask);
            if (bit == index)
            {
                want = (byte)(want ^ mask);
            }

            id[byteIndex] = (byte)((id[byteIndex] & ~mask) | want);
        }

        return new NodeId(id);
    }

    internal int BucketSize(int index) => _buckets[index].Entries.Count;

    internal int ReplacementCount(int index) => _buckets[index].Replacements.Count;

    private static void AddAll(Bucket bucket, List<DhtContact> into)
    {
        foreach (Entry entry in bucket.Entries)
        {
            into.Add(entry.Contact);
        }
    }

    private IpGroup? GroupOf(DhtContact contact) =>
        _options.ExemptPrivateAddressesFromIpLimits && IpGroup.IsPrivate(contact.EndPoint.Address) ? null : IpGroup.Of(contact.EndPoint.Address);

    private bool WithinLimits(Bucket bucket, IpGroup? group)
    {
        if (group is not IpGroup g)
        {
            return true;
        }

        if (_groupCounts.TryGetValue(g, out int inTable) && inTable >= _options.MaxPerIpGroupInTable)
        {
            return false;
        }

        int inBucket = 0;
        foreach (Entry entry in bucket.Entries)
        {
            if (entry.Group == g)
            {
                inBucket++;
            }
        }

        return inBucket < _options.MaxPerIpGroupInBucket;
    }

    private void Claim(Entry entry)
    {
        if (entry.Group is IpGroup g)
        {
            _groupCounts[g] = _groupCounts.GetValueOrDefault(g) + 1;
        }
    }

    private void Release(Entry entry)
    {
        if (entry.Group is IpGroup g && _groupCounts.TryGetValue(g, out int n))
        {
            if (n <= 1)
            {
                _groupCounts.Remove(g);
            }
            else
            {
                _groupCounts[g] = n - 1;
            }
        }
    }

    /// <summary>Fills a freed slot with the most recently seen replacement that passes the IP limits.</summary>
    private void Promote(Bucket bucket)
    {
        for (int i = bucket.Replacements.Count - 1; i >= 0; i--)
        {
            DhtContact candidate = bucket.Replacements[i];
            IpGroup? group = GroupOf(candidate);
            if (WithinLimits(bucket, group))
            {
                bucket.Replacements.RemoveAt(i);
                var entry = new Entry(candidate, group);
                bucket.Entries.Add(entry);
                Claim(entry);
                Count++;
                return;
            }
        }
    }

    private sealed class Entry(DhtContact contact, IpGroup? group)
    {
        public DhtContact Contact { get; } = contact;

        public IpGroup? Group { get; } = group;

        public int Failures { get; set; }

        public bool PingPending { get; set; }
    }

    private sealed class Bucket
    {
        public List<Entry> Entries { get; } = new();

        public List<DhtContact> Replacements { get; } = new();

        public long LastLookup { get; set; } = long.MinValue;

        public int IndexOf(NodeId id)
        {
            for (int i = 0; i < Entries.Count; i++)
            {
                if (Entries[i].Contact.Id == id)
                {
                    return i;
                }
            }

            return -1;
        }

        public void AddReplacement(DhtContact contact, int capacity)
        {
            RemoveReplacement(contact.Id);
            if (Replacements.Count >= capacity)
            {
                Replacements.RemoveAt(0);
            }

            Replacements.Add(contact);
        }

        public void RemoveReplacement(NodeId id)
        {
            for (int i = 0; i < Replacements.Count; i++)
            {
                if (Replacements[i].Id == id)
                {
                    Replacements.RemoveAt(i);
                    return;
                }
            }
        }
    }
}

/// <summary>Orders contacts by XOR distance to a target, closest first.</summary>
internal readonly struct DistanceComparer(NodeId target) : IComparer<DhtContact>
{
    public int Compare(DhtContact x, DhtContact y) => (x.Id ^ target).CompareTo(y.Id ^ target);
}
