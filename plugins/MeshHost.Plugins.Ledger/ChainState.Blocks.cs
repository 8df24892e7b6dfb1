using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger;

/// <summary>Blocks: body validation, connecting, and reorganising to the heaviest chain.</summary>
internal sealed partial class ChainState
{
    /// <summary>Raised (under the chain's lock, keep it quick) after the tip changed.</summary>
    public event Action<HeaderEntry>? TipChanged;

    /// <summary>Validates <paramref name="block"/>, stores it, and moves the tip if its chain is now the heaviest.</summary>
    public BlockResult AddBlock(Block block)
    {
        if (block?.Header is null || block.Transactions is null)
        {
            return BlockResult.Rejected(LedgerError.Malformed);
        }

        lock (_sync)
        {
            // One SQLite transaction for the block: its header, its body and the tip change it causes.
            _store.Begin();
            try
            {
                BlockResult result = AddBlockLocked(block);
                _store.CommitTransaction();
                return result;
            }
            catch
            {
                _store.Rollback();
                throw;
            }
        }
    }

    /// <summary>
    /// Adds blocks in order in one SQLite transaction (a sync answer: one disk flush instead of one per
    /// block); stops after the first one refused as invalid. The results are in the same order.
    /// </summary>
    public List<BlockResult> AddBlocks(IReadOnlyList<Block> blocks)
    {
        var results = new List<BlockResult>(blocks.Count);
        lock (_sync)
        {
            _store.Begin();
            try
            {
                foreach (Block block in blocks)
                {
                    BlockResult result = block?.Header is null || block.Transactions is null ? BlockResult.Rejected(LedgerError.Malformed) : AddBlockLocked(block);
                    results.Add(result);
                    if (result.IsInvalid)
                    {
                        break;
                    }
                }

                _store.CommitTransaction();
                return results;
            }
            catch
            {
                _store.Rollback();
                throw;
            }
        }
    }

    private BlockResult AddBlockLocked(Block block)
    {
        {
            LedgerError headerError = AddHeaderLocked(block.Header, out HeaderEntry? entry);
            if (headerError == LedgerError.Duplicate && entry is { HasBody: true })
            {
                return BlockResult.Known;
            }

            if (headerError is not (LedgerError.None or LedgerError.Duplicate))
            {
                return BlockResult.Rejected(headerError);
            }

            LedgerError bodyError = CheckBody(block, out bool blameBlock);
            if (bodyError != LedgerError.None)
            {
                if (blameBlock)
                {
                    MarkInvalid(entry!, bodyError);
                }

                return BlockResult.Rejected(bodyError);
            }

            _store.AddBody(entry!.Hash, block);
            entry.HasBody = true;
            return Activate(entry, block);
        }
    }

    /// <summary>
    /// Checks what needs no state: size, shapes, chain id, the Merkle root, one use of each (sender,
    /// nonce) and every signature, the signatures verified in parallel on all cores.
    /// </summary>
    /// <param name="blameBlock">Whether the header itself is invalid (false when only this body does not match it, e.g. a wrong Merkle root: the right body may still come).</param>
    internal LedgerError CheckBody(Block block, out bool blameBlock)
    {
        blameBlock = false;
        List<Transaction> transactions = block.Transactions;
        if (transactions.Count > ChainRules.MaxBlockTransactions || LedgerCodec.BlockSize(block) > ChainRules.MaxBlockBytes)
        {
            return LedgerError.BlockTooLarge;
        }

        var spends = new HashSet<(PeerId, ulong)>(transactions.Count);
        var senders = new PeerId[transactions.Count];
        for (int i = 0; i < transactions.Count; i++)
        {
            Transaction transaction = transactions[i];
            if (transaction is null || !LedgerCodec.IsWellFormed(transaction))
            {
                return LedgerError.Malformed;
            }

            senders[i] = LedgerCodec.Sender(transaction);
        }

        var leaves = new byte[transactions.Count][];
        var valid = new bool[transactions.Count];
        Parallel.For(0, transactions.Count, i =>
        {
            Transaction transaction = transactions[i];
            byte[] encoded = LedgerCodec.Encode(transaction);
            leaves[i] = LedgerCodec.LeafHash(encoded);
            valid[i] = _signatures.Verify(senders[i], transaction.From, LedgerCodec.SignedBytes(transaction), transaction.Signature);
        });

        if (!LedgerCodec.MerkleRootOfLeaves(leaves).AsSpan().SequenceEqual(block.Header.MerkleRoot))
        {
            return LedgerError.BadMerkleRoot;
        }

        blameBlock = true;
        for (int i = 0; i < transactions.Count; i++)
        {
            if (!transactions[i].Chain.AsSpan().SequenceEqual(GenesisHash))
            {
                return LedgerError.WrongChain;
            }

            if (!spends.Add((senders[i], transactions[i].Nonce)))
            {
                return LedgerError.DoubleSpendInBlock;
            }

            if (!valid[i])
            {
                return LedgerError.BadSignature;
            }
        }

        blameBlock = false;
        return LedgerError.None;
    }

    /// <summary>
    /// Builds a block on the tip from <paramref name="candidates"/> (best first): each is tried on a
    /// scratch view of the state and left out if it does not apply.
    /// </summary>
    public Block BuildBlock(IEnumerable<Transaction> candidates, byte[] producer, long now)
    {
        lock (_sync)
        {
            HeaderEntry tip = _main[^1];
            long timestamp = Math.Max(now, tip.MedianTimePast() + 1);
            var view = new StateView(_store);
            PeerId producerId = PeerId.FromPublicKey(producer);
            var chosen = new List<Transaction>();
            int bytes = 64;
            foreach (Transaction transaction in candidates)
            {
                int size = LedgerCodec.Encode(transaction).Length + 8;
                if (chosen.Count >= ChainRules.MaxBlockTransactions || bytes + size > ChainRules.MaxBlockBytes - 1024)
                {
                    break;
                }

                if (transaction.Chain.AsSpan().SequenceEqual(GenesisHash)
                    && view.Apply(transaction, LedgerCodec.Sender(transaction), producerId, timestamp) == LedgerError.None)
                {
                    chosen.Add(transaction);
                    bytes += size;
                }
            }

            var header = new BlockHeader
            {
                Height = tip.Height + 1,
                Previous = tip.Hash,
                MerkleRoot = LedgerCodec.MerkleRoot(chosen),
                Timestamp = timestamp,
                Producer = producer,
            };
            return new Block { Header = header, Transactions = chosen };
        }
    }

    /// <summary>The tip header entry and the header template's parent, read together.</summary>
    public HeaderEntry? Entry(byte[] hash)
    {
        lock (_sync)
        {
            return _index.GetValueOrDefault(LedgerCodec.Hex(hash));
        }
    }

    private void MarkInvalid(HeaderEntry entry, LedgerError error)
    {
        var pending = new Stack<HeaderEntry>();
        pending.Push(entry);
        while (pending.TryPop(out HeaderEntry? next))
        {
            next.Invalid = next == entry ? error : LedgerError.InvalidAncestor;
            if (_children.TryGetValue(next.Key, out List<HeaderEntry>? children))
            {
                foreach (HeaderEntry child in children)
                {
                    pending.Push(child);
                }
            }
        }

        if (_bestHeader.Invalid != LedgerError.None)
        {
            _bestHeader = _main[^1];
            foreach (HeaderEntry candidate in _index.Values)
            {
                if (candidate.Invalid == LedgerError.None && candidate.Weight > _bestHeader.Weight)
                {
                    _bestHeader = candidate;
                }
            }
        }
    }

    /// <summary>Moves the tip to the heaviest fully-held chain through <paramref name="arrived"/>, if heavier than the tip.</summary>
    private BlockResult Activate(HeaderEntry arrived, Block block)
    {
        var disconnected = new List<Block>();
        var connected = new List<Block>();
        HeaderEntry? target = HeaviestHeldDescendant(arrived);
        LedgerError error = LedgerError.None;
        while (target is not null && target.Weight > _main[^1].Weight)
        {
            LedgerError failed = Reorganize(target, arrived, block, disconnected, connected, out HeaderEntry? culprit);
            if (failed == LedgerError.None)
            {
                break;
            }

            MarkInvalid(culprit!, failed);
            if (ReferenceEquals(culprit, arrived))
            {
                error = failed;
            }

            target = culprit!.Parent is { Invalid: LedgerError.None } parent && !IsOnMain(parent) ? parent : null;
        }

        if (connected.Count > 0)
        {
            TipChanged?.Invoke(_main[^1]);
            if (_main[^1].Height % 100 == 0)
            {
                PruneSideBranches();
            }
        }

        return new BlockResult(error, error == LedgerError.None, disconnected, connected);
    }

    /// <summary>The heaviest valid descendant of <paramref name="entry"/> (itself included) reachable through held bodies, provided the way down to the main chain is held too.</summary>
    private HeaderEntry? HeaviestHeldDescendant(HeaderEntry entry)
    {
        for (HeaderEntry? ancestor = entry; ancestor is not null && !IsOnMain(ancestor); ancestor = ancestor.Parent)
        {
            if (!ancestor.HasBody || ancestor.Invalid != LedgerError.None)
            {
                return null;
            }
        }

        HeaderEntry best = entry;
        var pending = new Stack<HeaderEntry>();
        pending.Push(entry);
        while (pending.TryPop(out HeaderEntry? next))
        {
            if (next.Weight > best.Weight)
            {
                best = next;
            }

            if (_children.TryGetValue(next.Key, out List<HeaderEntry>? children))
            {
                foreach (HeaderEntry child in children)
                {
                    if (child.HasBody && child.Invalid == LedgerError.None)
                    {
                        pending.Push(child);
                    }
                }
            }
        }

        return best;
    }

    /// <summary>
    /// Disconnects the main chain down to the fork with <paramref name="target"/>'s chain and connects
    /// that chain up to it, all in one SQLite transaction: on an invalid block everything is rolled back.
    /// </summary>
    private LedgerError Reorganize(HeaderEntry target, HeaderEntry arrived, Block arrivedBlock, List<Block> disconnected, List<Block> connected, out HeaderEntry? culprit)
    {
        culprit = null;
        var path = new List<HeaderEntry>();
        HeaderEntry fork = target;
        while (!IsOnMain(fork))
        {
            path.Add(fork);
            fork = fork.Parent!;
        }

        path.Reverse();
        var lost = new List<Block>();
        var gained = new List<Block>();
        bool own = !_store.InTransaction;
        if (own)
        {
            _store.Begin();
        }

        _store.Save("reorg");
        try
        {
            for (int height = _main.Count - 1; height > fork.Height; height--)
            {
                HeaderEntry old = _main[height];
                BlockUndo undo = _store.GetUndo(old.Hash) ?? throw new InvalidOperationException($"No undo data for main block {old.Key}: the database is damaged.");
                lost.Add(_store.GetBlock(old.Hash)!);
                _store.Disconnect(height, old.Hash, undo);
            }

            foreach (HeaderEntry entry in path)
            {
                Block block = ReferenceEquals(entry, arrived) ? arrivedBlock : _store.GetBlock(entry.Hash)!;
                var view = new StateView(_store);
                LedgerError error = Apply(view, block);
                if (error != LedgerError.None)
                {
                    culprit = entry;
                    _store.RollbackTo("reorg");
                    _store.Release("reorg");
                    if (own)
                    {
                        _store.CommitTransaction();
                    }

                    return error;
                }

                _store.Connect(entry.Height, entry.Hash, view.Changed, view.Undo());
                gained.Add(block);
            }

            _store.Release("reorg");
            if (own)
            {
                _store.CommitTransaction();
            }
        }
        catch
        {
            if (own)
            {
                _store.Rollback();
            }

            throw;
        }

        _main.RemoveRange((int)fork.Height + 1, _main.Count - (int)fork.Height - 1);
        _main.AddRange(path);
        disconnected.AddRange(lost);
        connected.AddRange(gained);
        return LedgerError.None;
    }

    /// <summary>Applies a block's transfers, fees and reward to <paramref name="view"/>.</summary>
    private LedgerError Apply(StateView view, Block block)
    {
        PeerId producer = PeerId.FromPublicKey(block.Header.Producer);
        foreach (Transaction transaction in block.Transactions)
        {
            LedgerError error = view.Apply(transaction, LedgerCodec.Sender(transaction), producer, block.Header.Timestamp);
            if (error != LedgerError.None)
            {
                return error;
            }
        }

        return _reward > 0 ? view.Credit(producer, _reward) : LedgerError.None;
    }

    /// <summary>Forgets side-branch blocks that fell more than <see cref="ChainRules.MaxReorgDepth"/> behind the tip: the tree stays bounded.</summary>
    private void PruneSideBranches()
    {
        long floor = _main.Count - 1 - ChainRules.MaxReorgDepth;
        var stale = new List<HeaderEntry>();
        foreach (HeaderEntry entry in _index.Values)
        {
            if (entry.Height < floor && !IsOnMain(entry))
            {
                stale.Add(entry);
            }
        }

        foreach (HeaderEntry entry in stale)
        {
            _index.Remove(entry.Key);
            _children.Remove(entry.Key);
            if (entry.Parent is { } parent && _children.TryGetValue(parent.Key, out List<HeaderEntry>? siblings))
            {
                siblings.Remove(entry);
            }
        }

        _store.RemoveBlocks(stale.ConvertAll(e => e.Hash));
    }
}
