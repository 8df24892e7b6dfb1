using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger;

/// <summary>
/// The accounts as one block (or a block being built) changes them: reads fall through to the store,
/// writes stay here until the block is accepted, and the first value of each touched account is kept
/// as the block's undo data.
/// </summary>
internal sealed class StateView
{
    private readonly LedgerStore _store;
    private readonly Dictionary<PeerId, Account> _changed = [];
    private readonly Dictionary<PeerId, Account?> _original = [];

    public StateView(LedgerStore store) => _store = store;

    public IReadOnlyDictionary<PeerId, Account> Changed => _changed;

    public Account Get(PeerId id)
    {
        if (_changed.TryGetValue(id, out Account account))
        {
            return account;
        }

        if (!_original.TryGetValue(id, out Account? stored))
        {
            stored = _store.GetAccount(id);
            _original[id] = stored;
        }

        return stored ?? default;
    }

    public void Set(PeerId id, Account account)
    {
        Get(id);
        _changed[id] = account;
    }

    /// <summary>Applies one transfer; an error leaves the view unchanged.</summary>
    public LedgerError Apply(Transaction transaction, PeerId sender, PeerId producer, long blockTime)
    {
        if (transaction.Expiry < blockTime)
        {
            return LedgerError.Expired;
        }

        Account from = Get(sender);
        if ((long)transaction.Nonce < from.Nonce)
        {
            return LedgerError.NonceReused;
        }

        if ((long)transaction.Nonce > from.Nonce)
        {
            return LedgerError.NonceGap;
        }

        long amount = (long)transaction.Amount;
        long fee = (long)transaction.Fee;
        if (amount > from.Balance || fee > from.Balance - amount)
        {
            return LedgerError.Overspend;
        }

        var to = new PeerId(transaction.To);
        Set(sender, new Account(from.Balance - amount - fee, from.Nonce + 1));
        Account receiver = Get(to);
        if (receiver.Balance > long.MaxValue - amount)
        {
            Set(sender, from);
            return LedgerError.BalanceOverflow;
        }

        Set(to, receiver with { Balance = receiver.Balance + amount });
        return Credit(producer, fee);
    }

    /// <summary>Adds <paramref name="amount"/> to an account.</summary>
    public LedgerError Credit(PeerId id, long amount)
    {
        Account account = Get(id);
        if (account.Balance > long.MaxValue - amount)
        {
            return LedgerError.BalanceOverflow;
        }

        Set(id, account with { Balance = account.Balance + amount });
        return LedgerError.None;
    }

    public BlockUndo Undo()
    {
        var accounts = new List<AccountUndo>(_changed.Count);
        foreach (PeerId id in _changed.Keys)
        {
            Account? before = _original[id];
            accounts.Add(new AccountUndo { Id = id.ToArray(), Existed = before.HasValue, Balance = before?.Balance ?? 0, Nonce = before?.Nonce ?? 0 });
        }

        return new BlockUndo { Accounts = accounts };
    }
}
