using MeshHost.MessagePack;

namespace MeshHost.Plugins.Ledger;

/// <summary>
/// A signed transfer. Its canonical form is this record's MessagePack encoding as MeshHost writes it
/// (an array of 8 in key order, integers in their smallest form, byte strings as bin); the signed
/// bytes are that encoding with <see cref="Signature"/> empty (docs/ledger.md, "Canonical encoding").
/// </summary>
[MessagePackObject]
public sealed partial record Transaction
{
    /// <summary>The genesis hash of the chain it is meant for (32 bytes), so it cannot be replayed on another chain.</summary>
    [Key(0)] public byte[] Chain { get; init; } = [];

    /// <summary>The sender's 64-byte public key; the sending account is its NodeId (SHA-256 of it).</summary>
    [Key(1)] public byte[] From { get; init; } = [];

    /// <summary>The receiving account's 32-byte NodeId.</summary>
    [Key(2)] public byte[] To { get; init; } = [];

    /// <summary>The amount moved, at least 1.</summary>
    [Key(3)] public ulong Amount { get; init; }

    /// <summary>What the block's producer earns for including it.</summary>
    [Key(4)] public ulong Fee { get; init; }

    /// <summary>The sender's next nonce (0 for its first transfer): each value is used once, in order.</summary>
    [Key(5)] public ulong Nonce { get; init; }

    /// <summary>Unix milliseconds after which no block (by its timestamp) may include it.</summary>
    [Key(6)] public long Expiry { get; init; }

    /// <summary>The sender's 64-byte ECDSA P-256 (P1363) signature over the signed bytes.</summary>
    [Key(7)] public byte[] Signature { get; init; } = [];
}

/// <summary>
/// A block header. Its hash is SHA-256 of its canonical encoding; the producer's signature (proof of
/// authority) covers the same encoding with <see cref="Signature"/> empty.
/// </summary>
[MessagePackObject]
public sealed partial record BlockHeader
{
    /// <summary>The height: 0 for the genesis block.</summary>
    [Key(0)] public long Height { get; init; }

    /// <summary>The previous block's hash (32 bytes; zeros for the genesis block).</summary>
    [Key(1)] public byte[] Previous { get; init; } = [];

    /// <summary>The Merkle root of the transactions (docs/ledger.md, "Merkle tree").</summary>
    [Key(2)] public byte[] MerkleRoot { get; init; } = [];

    /// <summary>Unix milliseconds.</summary>
    [Key(3)] public long Timestamp { get; init; }

    /// <summary>Proof of work: the 256-bit target, big-endian, 32 bytes. Proof of authority: the turn weight, one byte (2 in turn, 1 out of turn).</summary>
    [Key(4)] public byte[] Target { get; init; } = [];

    /// <summary>The proof-of-work nonce (0 under proof of authority).</summary>
    [Key(5)] public ulong Nonce { get; init; }

    /// <summary>The producer's 64-byte public key: it earns the fees (and the reward) and, under proof of authority, signs.</summary>
    [Key(6)] public byte[] Producer { get; init; } = [];

    /// <summary>Proof of authority: the producer's signature over the header with this field empty. Empty under proof of work.</summary>
    [Key(7)] public byte[] Signature { get; init; } = [];
}

/// <summary>A block: its header and its transactions, in order.</summary>
[MessagePackObject]
public sealed partial record Block
{
    /// <summary>The header.</summary>
    [Key(0)] public BlockHeader Header { get; init; } = new();

    /// <summary>The transactions, applied in this order.</summary>
    [Key(1)] public List<Transaction> Transactions { get; init; } = [];
}

/// <summary>What the transaction topic carries: one transfer.</summary>
[MessagePackObject]
public sealed partial record TransactionGossip
{
    /// <summary>The transfer.</summary>
    [Key(0)] public Transaction Transaction { get; init; } = new();
}

/// <summary>What the block topic carries: a new block's header (the body is fetched, it may exceed a topic message).</summary>
[MessagePackObject]
public sealed partial record BlockAnnouncement
{
    /// <summary>The header.</summary>
    [Key(0)] public BlockHeader Header { get; init; } = new();
}

/// <summary>What a sync request asks for.</summary>
public enum SyncKind
{
    /// <summary>The answerer's tip.</summary>
    Status = 0,

    /// <summary>Headers following the first locator hash the answerer has on its main chain.</summary>
    Headers = 1,

    /// <summary>The blocks of the given hashes.</summary>
    Blocks = 2,
}

/// <summary>A request on <c>meshhost.ledger/sync</c>.</summary>
[MessagePackObject]
public sealed partial record SyncRequest
{
    /// <summary>What is asked.</summary>
    [Key(0)] public SyncKind Kind { get; init; }

    /// <summary>Headers: a block locator (tip first, then exponentially sparser, genesis last). Blocks: the hashes wanted.</summary>
    [Key(1)] public List<byte[]> Hashes { get; init; } = [];
}

/// <summary>The answer to a <see cref="SyncRequest"/>.</summary>
[MessagePackObject]
public sealed partial record SyncResponse
{
    /// <summary>The answerer's tip hash.</summary>
    [Key(0)] public byte[] TipHash { get; init; } = [];

    /// <summary>The answerer's tip height.</summary>
    [Key(1)] public long TipHeight { get; init; }

    /// <summary>The answerer's cumulative chain weight, big-endian unsigned.</summary>
    [Key(2)] public byte[] TipWeight { get; init; } = [];

    /// <summary>Headers asked for, in chain order.</summary>
    [Key(3)] public List<BlockHeader> Headers { get; init; } = [];

    /// <summary>Blocks asked for, in the order asked (those it has).</summary>
    [Key(4)] public List<Block> Blocks { get; init; } = [];
}

/// <summary>The genesis specification, hashed into the genesis block's Merkle-root field so two nodes with different configurations never share a chain.</summary>
[MessagePackObject]
public sealed partial record GenesisSpec
{
    /// <summary>"pow" or "poa".</summary>
    [Key(0)] public string Consensus { get; init; } = "";

    /// <summary>The genesis time, Unix milliseconds.</summary>
    [Key(1)] public long Timestamp { get; init; }

    /// <summary>The funded accounts (32-byte NodeIds), sorted.</summary>
    [Key(2)] public List<byte[]> Accounts { get; init; } = [];

    /// <summary>Their balances, in the same order.</summary>
    [Key(3)] public List<ulong> Balances { get; init; } = [];

    /// <summary>Proof of work: the initial (and easiest) target. Proof of authority: empty.</summary>
    [Key(4)] public byte[] Target { get; init; } = [];

    /// <summary>Proof of authority: the signers' public keys, sorted.</summary>
    [Key(5)] public List<byte[]> Signers { get; init; } = [];

    /// <summary>The block interval in milliseconds.</summary>
    [Key(6)] public long IntervalMilliseconds { get; init; }

    /// <summary>The reward a block's producer earns beside the fees.</summary>
    [Key(7)] public ulong Reward { get; init; }
}
