using System.Numerics;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger;

/// <summary>
/// What differs between proof of work and proof of authority: the weight of a block, the checks on
/// its seal, and how a node produces one. Fork choice is the same for both: the valid chain with
/// the greatest cumulative weight.
/// </summary>
internal interface IConsensus
{
    /// <summary>"pow" or "poa".</summary>
    string Name { get; }

    /// <summary>The genesis block's target field.</summary>
    byte[] GenesisTarget { get; }

    /// <summary>What a valid block adds to its chain's weight (called after <see cref="CheckSeal"/> passed).</summary>
    BigInteger Weight(BlockHeader header);

    /// <summary>Checks the target field and the seal of <paramref name="header"/> (hash <paramref name="hash"/>), a child of <paramref name="parent"/>.</summary>
    LedgerError CheckSeal(BlockHeader header, byte[] hash, HeaderEntry parent);

    /// <summary>
    /// When this node may produce the child of <paramref name="parent"/> (Unix ms), or null when it
    /// may not (not a signer, or signed too recently). Proof of work: at once.
    /// </summary>
    long? ProduceAt(HeaderEntry parent, INodeSigner signer);

    /// <summary>Fills the target and seals <paramref name="template"/>; null when cancelled or not allowed.</summary>
    BlockHeader? Seal(BlockHeader template, HeaderEntry parent, INodeSigner signer, CancellationToken cancellationToken);
}
