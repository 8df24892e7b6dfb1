using System.Numerics;

namespace MeshHost.Plugins.Ledger;

/// <summary>A block known by its header: where it hangs in the tree and the weight of the chain ending in it.</summary>
internal sealed class HeaderEntry
{
    public HeaderEntry(BlockHeader header, byte[] hash, HeaderEntry? parent, BigInteger weight)
    {
        Header = header;
        Hash = hash;
        Parent = parent;
        Weight = weight;
    }

    public BlockHeader Header { get; }

    public byte[] Hash { get; }

    public string Key => LedgerCodec.Hex(Hash);

    public long Height => Header.Height;

    public HeaderEntry? Parent { get; }

    /// <summary>The cumulative weight of the chain from genesis to here (work, or turn weight).</summary>
    public BigInteger Weight { get; }

    /// <summary>The body is stored (the block can be connected).</summary>
    public bool HasBody { get; set; }

    /// <summary>The block, or one of its ancestors, failed validation.</summary>
    public LedgerError Invalid { get; set; }

    /// <summary>The ancestor at <paramref name="height"/>, or null.</summary>
    public HeaderEntry? Ancestor(long height)
    {
        HeaderEntry? entry = this;
        while (entry is not null && entry.Height > height)
        {
            entry = entry.Parent;
        }

        return entry is not null && entry.Height == height ? entry : null;
    }

    /// <summary>The median timestamp of this block and up to 10 before it: a child must be later.</summary>
    public long MedianTimePast()
    {
        Span<long> times = stackalloc long[ChainRules.MedianTimeSpan];
        int count = 0;
        for (HeaderEntry? entry = this; entry is not null && count < times.Length; entry = entry.Parent)
        {
            times[count++] = entry.Header.Timestamp;
        }

        times[..count].Sort();
        return times[count / 2];
    }
}
