namespace MeshHost.Plugins.Ledger;

/// <summary>Why a transaction or a block was refused: each rejection has its own code (docs/ledger.md, "Validation").</summary>
public enum LedgerError
{
    /// <summary>Valid.</summary>
    None = 0,

    /// <summary>A field has the wrong size or a value out of range.</summary>
    Malformed,

    /// <summary>The transaction is for another chain (genesis hash).</summary>
    WrongChain,

    /// <summary>The signature does not verify against the sender's key.</summary>
    BadSignature,

    /// <summary>The nonce was already used by the sender (replay).</summary>
    NonceReused,

    /// <summary>The nonce skips ahead of the sender's next one.</summary>
    NonceGap,

    /// <summary>Amount plus fee exceeds the sender's balance.</summary>
    Overspend,

    /// <summary>The same sender and nonce appear twice in one block.</summary>
    DoubleSpendInBlock,

    /// <summary>The transaction expired before the block's time.</summary>
    Expired,

    /// <summary>The fee is under this node's minimum (mempool only).</summary>
    FeeTooLow,

    /// <summary>The mempool is full of better-paying transactions, or the sender has too many pending.</summary>
    MempoolFull,

    /// <summary>Already known.</summary>
    Duplicate,

    /// <summary>The header's Merkle root does not match the transactions.</summary>
    BadMerkleRoot,

    /// <summary>The block hash does not meet its target, or the target is not the one retargeting requires.</summary>
    InsufficientWork,

    /// <summary>Proof of authority: the producer is not a signer, signed too recently, or the turn weight is wrong.</summary>
    BadSigner,

    /// <summary>The timestamp is not after the median of the previous 11 blocks.</summary>
    TimestampTooOld,

    /// <summary>The timestamp is more than 2 hours ahead of this node's clock.</summary>
    TimestampTooFarInFuture,

    /// <summary>The block has too many transactions or too many bytes.</summary>
    BlockTooLarge,

    /// <summary>The height is not the parent's plus one.</summary>
    BadHeight,

    /// <summary>The parent is unknown.</summary>
    UnknownParent,

    /// <summary>The block descends from a block found invalid.</summary>
    InvalidAncestor,

    /// <summary>A balance would exceed 2^63 - 1.</summary>
    BalanceOverflow,

    /// <summary>The block forks from the main chain deeper than this node reorganises (docs/ledger.md, "Bounds").</summary>
    ForkTooDeep,
}
