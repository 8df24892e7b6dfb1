using MeshHost.MessagePack;

namespace MeshHost.Plugins.Ledger;

/// <summary>An account's value before a block changed it: what disconnecting the block restores.</summary>
[MessagePackObject]
public sealed partial record AccountUndo
{
    /// <summary>The account's NodeId.</summary>
    [Key(0)] public byte[] Id { get; init; } = [];

    /// <summary>Whether the account existed before the block.</summary>
    [Key(1)] public bool Existed { get; init; }

    /// <summary>Its balance before.</summary>
    [Key(2)] public long Balance { get; init; }

    /// <summary>Its next nonce before.</summary>
    [Key(3)] public long Nonce { get; init; }
}

/// <summary>The undo data of one block: every account it touched, as it was.</summary>
[MessagePackObject]
public sealed partial record BlockUndo
{
    /// <summary>The accounts.</summary>
    [Key(0)] public List<AccountUndo> Accounts { get; init; } = [];
}
