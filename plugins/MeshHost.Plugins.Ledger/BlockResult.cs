namespace MeshHost.Plugins.Ledger;

/// <summary>
/// What adding a block did: an error (or None), whether it was new, and the blocks the main chain
/// lost and gained (in order: disconnected from the old tip down, connected from the fork up), whose
/// transactions the mempool takes back or forgets.
/// </summary>
internal sealed record BlockResult(LedgerError Error, bool New, IReadOnlyList<Block> Disconnected, IReadOnlyList<Block> Connected)
{
    public static BlockResult Rejected(LedgerError error) => new(error, false, [], []);

    public static BlockResult Known { get; } = new(LedgerError.Duplicate, false, [], []);

    /// <summary>Whether the block was refused for what it is (the sender is to blame), not for being a duplicate or an orphan.</summary>
    public bool IsInvalid => Error is not (LedgerError.None or LedgerError.Duplicate or LedgerError.UnknownParent);
}
