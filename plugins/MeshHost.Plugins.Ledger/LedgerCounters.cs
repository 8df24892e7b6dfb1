namespace MeshHost.Plugins.Ledger;

/// <summary>What happened to what peers sent (for the status endpoint and tests).</summary>
public sealed class LedgerCounters
{
    private long _blocksAccepted;
    private long _blocksRefused;
    private long _transactionsAccepted;
    private long _transactionsRefused;
    private long _reorganisations;
    private long _ignored;

    /// <summary>Blocks from peers that were new and valid.</summary>
    public long BlocksAccepted => Interlocked.Read(ref _blocksAccepted);

    /// <summary>Blocks or headers from peers found invalid.</summary>
    public long BlocksRefused => Interlocked.Read(ref _blocksRefused);

    /// <summary>Transfers from peers admitted to the mempool.</summary>
    public long TransactionsAccepted => Interlocked.Read(ref _transactionsAccepted);

    /// <summary>Transfers from peers refused (any reason but duplicate).</summary>
    public long TransactionsRefused => Interlocked.Read(ref _transactionsRefused);

    /// <summary>Tip changes that disconnected at least one block.</summary>
    public long Reorganisations => Interlocked.Read(ref _reorganisations);

    /// <summary>Messages dropped because their sender is being ignored.</summary>
    public long Ignored => Interlocked.Read(ref _ignored);

    internal void CountBlockAccepted() => Interlocked.Increment(ref _blocksAccepted);

    internal void CountBlockRefused() => Interlocked.Increment(ref _blocksRefused);

    internal void CountTransactionAccepted() => Interlocked.Increment(ref _transactionsAccepted);

    internal void CountTransactionRefused() => Interlocked.Increment(ref _transactionsRefused);

    internal void CountReorganisation() => Interlocked.Increment(ref _reorganisations);

    internal void CountIgnored() => Interlocked.Increment(ref _ignored);
}
