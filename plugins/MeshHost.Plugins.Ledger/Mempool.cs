using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger;

/// <summary>
/// Transfers waiting for a block: at most <c>capacity</c> in all and <c>perSender</c> per sender.
/// When full, a better-paying transfer evicts the lowest-paying one that is last in its sender's
/// queue (evicting an earlier nonce would strand the sender's later ones). Blocks take them best fee
/// first, each sender's in nonce order.
/// </summary>
/// <remarks>Thread-safe (one lock). Signatures are checked by the caller before <see cref="Add"/>.</remarks>
internal sealed class Mempool
{
    private readonly Lock _sync = new();
    private readonly Dictionary<PeerId, SortedList<ulong, Transaction>> _bySender = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly int _perSender;
    private int _count;

    public Mempool(int capacity, int perSender)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perSender, 1);
        _capacity = capacity;
        _perSender = perSender;
    }

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _count;
            }
        }
    }

    public bool Contains(byte[] id)
    {
        lock (_sync)
        {
            return _ids.Contains(LedgerCodec.Hex(id));
        }
    }

    /// <summary>
    /// Admits a signed transfer given its sender's state at the tip. Checks the nonce window, the
    /// funds for everything the sender has pending, the per-sender and total bounds.
    /// </summary>
    public LedgerError Add(Transaction transaction, Account sender, ulong minFee, long now)
    {
        if (transaction.Fee < minFee)
        {
            return LedgerError.FeeTooLow;
        }

        if (transaction.Expiry < now)
        {
            return LedgerError.Expired;
        }

        if ((long)transaction.Nonce < sender.Nonce)
        {
            return LedgerError.NonceReused;
        }

        if ((long)transaction.Nonce >= sender.Nonce + _perSender)
        {
            return LedgerError.NonceGap;
        }

        PeerId from = LedgerCodec.Sender(transaction);
        string id = LedgerCodec.Hex(LedgerCodec.TransactionId(transaction));
        lock (_sync)
        {
            if (_ids.Contains(id))
            {
                return LedgerError.Duplicate;
            }

            _bySender.TryGetValue(from, out SortedList<ulong, Transaction>? queue);
            if (queue is not null && queue.ContainsKey(transaction.Nonce))
            {
                // Another transfer with this nonce waits: the first seen stands (no replacement by fee).
                return LedgerError.NonceReused;
            }

            // The sender must afford everything it has pending plus this one.
            decimal pending = (decimal)transaction.Amount + transaction.Fee;
            if (queue is not null)
            {
                foreach (Transaction waiting in queue.Values)
                {
                    pending += (decimal)waiting.Amount + waiting.Fee;
                }
            }

            if (pending > sender.Balance)
            {
                return LedgerError.Overspend;
            }

            if (queue is not null && queue.Count >= _perSender)
            {
                return LedgerError.MempoolFull;
            }

            if (_count >= _capacity && !EvictCheaperThan(transaction.Fee))
            {
                return LedgerError.MempoolFull;
            }

            if (queue is null)
            {
                queue = [];
                _bySender[from] = queue;
            }

            queue.Add(transaction.Nonce, transaction);
            _ids.Add(id);
            _count++;
            return LedgerError.None;
        }
    }

    /// <summary>The nonce a new transfer from <paramref name="sender"/> should carry: after its pending ones that follow <paramref name="stateNonce"/> without a gap.</summary>
    public long NextNonce(PeerId sender, long stateNonce)
    {
        lock (_sync)
        {
            long next = stateNonce;
            if (_bySender.TryGetValue(sender, out SortedList<ulong, Transaction>? queue))
            {
                while (queue.ContainsKey((ulong)next))
                {
                    next++;
                }
            }

            return next;
        }
    }

    /// <summary>Candidates for a block, best fee first among each sender's next transfer, senders' transfers in nonce order.</summary>
    public List<Transaction> Candidates(int max)
    {
        lock (_sync)
        {
            var heads = new PriorityQueue<(SortedList<ulong, Transaction> Queue, int Index), ulong>();
            foreach (SortedList<ulong, Transaction> queue in _bySender.Values)
            {
                heads.Enqueue((queue, 0), ulong.MaxValue - queue.Values[0].Fee);
            }

            var chosen = new List<Transaction>(Math.Min(max, _count));
            while (chosen.Count < max && heads.TryDequeue(out (SortedList<ulong, Transaction> Queue, int Index) head, out _))
            {
                chosen.Add(head.Queue.Values[head.Index]);
                if (head.Index + 1 < head.Queue.Count)
                {
                    heads.Enqueue((head.Queue, head.Index + 1), ulong.MaxValue - head.Queue.Values[head.Index + 1].Fee);
                }
            }

            return chosen;
        }
    }

    /// <summary>Forgets transfers a connected block included, and any of their senders' now stale nonces.</summary>
    public void RemoveIncluded(IEnumerable<Transaction> included, Func<PeerId, Account> state)
    {
        lock (_sync)
        {
            var senders = new HashSet<PeerId>();
            foreach (Transaction transaction in included)
            {
                senders.Add(LedgerCodec.Sender(transaction));
            }

            foreach (PeerId sender in senders)
            {
                Prune(sender, state(sender).Nonce);
            }
        }
    }

    /// <summary>Drops transfers that expired by <paramref name="now"/> (Unix ms), and those whose nonce the chain passed.</summary>
    public int Expire(long now, Func<PeerId, Account> state)
    {
        lock (_sync)
        {
            int before = _count;
            foreach (PeerId sender in new List<PeerId>(_bySender.Keys))
            {
                Prune(sender, state(sender).Nonce);
                if (_bySender.TryGetValue(sender, out SortedList<ulong, Transaction>? queue))
                {
                    for (int i = queue.Count - 1; i >= 0; i--)
                    {
                        if (queue.Values[i].Expiry < now)
                        {
                            Remove(sender, queue, i);
                        }
                    }
                }
            }

            return before - _count;
        }
    }

    private void Prune(PeerId sender, long nextNonce)
    {
        if (!_bySender.TryGetValue(sender, out SortedList<ulong, Transaction>? queue))
        {
            return;
        }

        while (queue.Count > 0 && (long)queue.Keys[0] < nextNonce)
        {
            Remove(sender, queue, 0);
        }
    }

    private void Remove(PeerId sender, SortedList<ulong, Transaction> queue, int index)
    {
        _ids.Remove(LedgerCodec.Hex(LedgerCodec.TransactionId(queue.Values[index])));
        queue.RemoveAt(index);
        _count--;
        if (queue.Count == 0)
        {
            _bySender.Remove(sender);
        }
    }

    private bool EvictCheaperThan(ulong fee)
    {
        PeerId? victim = null;
        ulong lowest = fee;
        foreach ((PeerId sender, SortedList<ulong, Transaction> queue) in _bySender)
        {
            Transaction last = queue.Values[^1];
            if (last.Fee < lowest)
            {
                lowest = last.Fee;
                victim = sender;
            }
        }

        if (victim is not { } chosen)
        {
            return false;
        }

        SortedList<ulong, Transaction> victimQueue = _bySender[chosen];
        Remove(chosen, victimQueue, victimQueue.Count - 1);
        return true;
    }
}
