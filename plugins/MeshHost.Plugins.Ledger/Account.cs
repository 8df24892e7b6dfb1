namespace MeshHost.Plugins.Ledger;

/// <summary>An account's state: its balance and the nonce its next transfer must carry.</summary>
public readonly record struct Account(long Balance, long Nonce);
