namespace MeshHost.Plugins.Ledger;

/// <summary>The fixed bounds of the protocol (docs/ledger.md, "Bounds").</summary>
public static class ChainRules
{
    /// <summary>A block's time must follow the median of this many blocks (its parent and the 10 before).</summary>
    public const int MedianTimeSpan = 11;

    /// <summary>The most transactions in one block.</summary>
    public const int MaxBlockTransactions = 2000;

    /// <summary>The largest encoded block (under the SDK's 1 MiB channel message, with room for a sync answer's framing).</summary>
    public const int MaxBlockBytes = 512 * 1024;

    /// <summary>The most headers one sync answer carries.</summary>
    public const int MaxHeadersPerAnswer = 2000;

    /// <summary>The most blocks one sync request asks for (their bytes are bounded by the answerer too).</summary>
    public const int MaxBlocksPerRequest = 64;

    /// <summary>The most bytes of blocks one sync answer carries.</summary>
    public const int MaxAnswerBytes = 900 * 1024;

    /// <summary>The deepest reorganisation this node makes; side branches further behind are pruned.</summary>
    public const int MaxReorgDepth = 1000;

    /// <summary>How far ahead of this node's clock a block's time may be.</summary>
    public static readonly TimeSpan MaxFutureDrift = TimeSpan.FromHours(2);

    /// <summary>How long after its creation a transfer made by this node expires.</summary>
    public static readonly TimeSpan DefaultExpiry = TimeSpan.FromHours(1);

    /// <summary>The farthest ahead a transfer's expiry may be (mempool), so old transfers cannot linger.</summary>
    public static readonly TimeSpan MaxExpiry = TimeSpan.FromDays(1);
}
