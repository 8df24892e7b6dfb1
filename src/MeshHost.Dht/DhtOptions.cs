namespace MeshHost.Dht;

/// <summary>
/// Parameters of a <see cref="DhtNode"/>. The defaults are the production values documented in
/// docs/dht.md; tests shrink the intervals. Instances are immutable once built (init-only).
/// </summary>
public sealed record DhtOptions
{
    /// <summary>Bucket size and replication factor k (20, as in the Kademlia paper).</summary>
    public int K { get; init; } = 20;

    /// <summary>Parallel requests per lookup, α (3).</summary>
    public int Alpha { get; init; } = 3;

    /// <summary>Candidates kept per bucket's replacement cache (10).</summary>
    public int ReplacementCacheSize { get; init; } = 10;

    /// <summary>Most routing-table entries from one IP group (/24 for IPv4, /48 for IPv6) in the whole table (3, as go-libp2p).</summary>
    public int MaxPerIpGroupInTable { get; init; } = 3;

    /// <summary>Most entries from one IP group in one bucket (2, as go-libp2p).</summary>
    public int MaxPerIpGroupInBucket { get; init; } = 2;

    /// <summary>
    /// Whether loopback and private (RFC 1918, ULA, link-local) addresses escape the IP-group
    /// limits, so that a LAN or one machine can run many nodes (true, as go-libp2p).
    /// </summary>
    public bool ExemptPrivateAddressesFromIpLimits { get; init; } = true;

    /// <summary>How long to wait for one RPC's response (2 s).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Extra attempts after a timeout for PING and STORE (1). Lookups do not retry: α parallelism routes around a silent node.</summary>
    public int MaxRetries { get; init; } = 1;

    /// <summary>
    /// Extra attempts a lookup gives a failed node that would rank among the k closest, made just
    /// before the lookup would finish (1), so one lost datagram does not hide the closest node.
    /// </summary>
    public int LookupRetries { get; init; } = 1;

    /// <summary>Consecutive failed RPCs after which a routing-table entry is replaced (2).</summary>
    public int MaxConsecutiveFailures { get; init; } = 2;

    /// <summary>A bucket not touched by a lookup for this long is refreshed with a random lookup in its range (1 h).</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long a record is valid after signing (24 h).</summary>
    public TimeSpan RecordTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The longest validity a stored record may claim (48 h); longer ones are refused.</summary>
    public TimeSpan MaxRecordTtl { get; init; } = TimeSpan.FromHours(48);

    /// <summary>How often a publisher re-signs and re-stores its records on the current k closest nodes (1 h).</summary>
    public TimeSpan RepublishInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How far in the future a record's issue time may be (5 min).</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest record value (1 KiB).</summary>
    public int MaxRecordValueBytes { get; init; } = 1024;

    /// <summary>Longest namespace or name of a value record, in characters (64).</summary>
    public int MaxNamespaceLength { get; init; } = 64;

    /// <summary>Largest signed record encoding (2 KiB).</summary>
    public int MaxRecordBytes { get; init; } = 2048;

    /// <summary>Largest request or response accepted on decode (16 KiB); FIND_VALUE answers are cut to fit.</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024;

    /// <summary>Most records this node stores for others (10,000: a few MiB at most).</summary>
    public int MaxStoredRecords { get; init; } = 10_000;

    /// <summary>Most provider records kept per content key (64).</summary>
    public int MaxProvidersPerKey { get; init; } = 64;

    /// <summary>Most records stored for one publisher (256), so that one node cannot fill the store.</summary>
    public int MaxRecordsPerPublisher { get; init; } = 256;

    /// <summary>How often the routing table is saved when a data directory is set (10 min; also on dispose).</summary>
    public TimeSpan SaveInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Directory for <c>dht-routing.bin</c>; null keeps nothing on disk.</summary>
    public string? DataDirectory { get; init; }
}
