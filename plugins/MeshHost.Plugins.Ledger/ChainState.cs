using System.Numerics;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger;

/// <summary>
/// The block tree, the main chain and the state at its tip: validates headers and blocks, picks the
/// chain of greatest cumulative weight, and reorganises to it (docs/ledger.md, "Consensus rules").
/// </summary>
/// <remarks>Thread-safe: one lock around everything (validation's signature checks run in parallel inside it).</remarks>
internal sealed partial class ChainState : IDisposable
{
    private readonly Lock _sync = new();
    private readonly LedgerStore _store;
    private readonly IConsensus _consensus;
    private readonly TimeProvider _time;
    private readonly SignatureCache _signatures;
    private readonly Dictionary<string, HeaderEntry> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<HeaderEntry>> _children = new(StringComparer.Ordinal);
    private readonly List<HeaderEntry> _main = [];
    private readonly long _reward;
    private HeaderEntry _bestHeader;

    public ChainState(LedgerStore store, IConsensus consensus, GenesisSpec genesis, TimeProvider time, SignatureCache signatures)
    {
        _store = store;
        _consensus = consensus;
        _time = time;
        _signatures = signatures;
        _reward = (long)genesis.Reward;
        Genesis = CreateGenesis(genesis, consensus);
        GenesisHash = LedgerCodec.BlockHash(Genesis);
        _bestHeader = Load(genesis);
        ResumeHeaviest();
    }

    /// <summary>The genesis header (the chain's id is its hash).</summary>
    public BlockHeader Genesis { get; }

    public byte[] GenesisHash { get; }

    public IConsensus Consensus => _consensus;

    /// <summary>The tip of the main chain.</summary>
    public HeaderEntry Tip
    {
        get
        {
            lock (_sync)
            {
                return _main[^1];
            }
        }
    }

    /// <summary>The valid header of greatest weight (it may lack bodies still being fetched).</summary>
    public HeaderEntry BestHeader
    {
        get
        {
            lock (_sync)
            {
                return _bestHeader;
            }
        }
    }

    /// <summary>Blocks known (headers), main chain or not.</summary>
    public int KnownBlocks
    {
        get
        {
            lock (_sync)
            {
                return _index.Count;
            }
        }
    }

    /// <summary>Builds the genesis header from its specification (the spec's hash is its Merkle-root field).</summary>
    public static BlockHeader CreateGenesis(GenesisSpec genesis, IConsensus consensus) => new()
    {
        Height = 0,
        Previous = new byte[LedgerCodec.HashSize],
        MerkleRoot = System.Security.Cryptography.SHA256.HashData(MeshHost.MessagePack.MessagePackSerializer.Serialize(genesis)),
        Timestamp = genesis.Timestamp,
        Target = consensus.GenesisTarget,
        Producer = [],
    };

    public Account GetAccount(PeerId id)
    {
        lock (_sync)
        {
            return _store.GetAccount(id) ?? default;
        }
    }

    /// <summary>Every account at the tip, by hex id.</summary>
    public SortedDictionary<string, Account> Accounts()
    {
        lock (_sync)
        {
            return _store.Accounts();
        }
    }

    /// <summary>The main-chain block at <paramref name="height"/>, or null.</summary>
    public Block? BlockAt(long height)
    {
        lock (_sync)
        {
            return height >= 0 && height < _main.Count ? _store.GetBlock(_main[(int)height].Hash) : null;
        }
    }

    public Block? GetBlock(byte[] hash)
    {
        lock (_sync)
        {
            return _index.TryGetValue(LedgerCodec.Hex(hash), out HeaderEntry? entry) && entry.HasBody ? _store.GetBlock(hash) : null;
        }
    }

    public bool Knows(byte[] hash, bool withBody)
    {
        lock (_sync)
        {
            return _index.TryGetValue(LedgerCodec.Hex(hash), out HeaderEntry? entry) && (!withBody || entry.HasBody || entry.Invalid != LedgerError.None);
        }
    }

    /// <summary>The main chain's hashes from the tip back: the 10 latest, then doubling steps, then genesis.</summary>
    public List<byte[]> Locator()
    {
        lock (_sync)
        {
            var locator = new List<byte[]>();
            long step = 1;
            for (long height = _main.Count - 1; height > 0; height -= step)
            {
                locator.Add(_main[(int)height].Hash);
                if (locator.Count >= 10)
                {
                    step *= 2;
                }
            }

            locator.Add(_main[0].Hash);
            return locator;
        }
    }

    /// <summary>Main-chain headers after the first locator hash on the main chain, at most <paramref name="max"/>.</summary>
    public List<BlockHeader> HeadersAfter(IReadOnlyList<byte[]> locator, int max)
    {
        lock (_sync)
        {
            long start = 0;
            foreach (byte[] hash in locator)
            {
                if (hash is { Length: LedgerCodec.HashSize } && _index.TryGetValue(LedgerCodec.Hex(hash), out HeaderEntry? entry) && IsOnMain(entry))
                {
                    start = entry.Height;
                    break;
                }
            }

            var headers = new List<BlockHeader>();
            for (long height = start + 1; height < _main.Count && headers.Count < max; height++)
            {
                headers.Add(_main[(int)height].Header);
            }

            return headers;
        }
    }

    /// <summary>Hashes of blocks on the way to the best header whose bodies are missing, lowest first.</summary>
    public List<byte[]> MissingBodies(int max)
    {
        lock (_sync)
        {
            var missing = new List<byte[]>();
            for (HeaderEntry? entry = _bestHeader; entry is not null && !IsOnMain(entry); entry = entry.Parent)
            {
                if (!entry.HasBody)
                {
                    missing.Add(entry.Hash);
                }
            }

            missing.Reverse();
            return missing.Count > max ? missing.GetRange(0, max) : missing;
        }
    }

    /// <summary>Validates and remembers a header (no body).</summary>
    public LedgerError AddHeader(BlockHeader header) => AddHeaders([header], out _);

    /// <summary>Validates and remembers headers in order, in one SQLite transaction; stops at the first refused.</summary>
    /// <param name="added">How many were accepted (new or already known).</param>
    /// <returns>None, or why the first refused header was refused.</returns>
    public LedgerError AddHeaders(IReadOnlyList<BlockHeader> headers, out int added)
    {
        added = 0;
        lock (_sync)
        {
            _store.Begin();
            try
            {
                foreach (BlockHeader header in headers)
                {
                    LedgerError error = AddHeaderLocked(header, out _);
                    if (error is not (LedgerError.None or LedgerError.Duplicate))
                    {
                        _store.CommitTransaction();
                        return error;
                    }

                    added++;
                }

                _store.CommitTransaction();
                return LedgerError.None;
            }
            catch
            {
                _store.Rollback();
                throw;
            }
        }
    }

    public void Dispose() => _store.Dispose();

    private bool IsOnMain(HeaderEntry entry) => entry.Height < _main.Count && ReferenceEquals(_main[(int)entry.Height], entry);

    private LedgerError AddHeaderLocked(BlockHeader header, out HeaderEntry? entry)
    {
        entry = null;
        if (header is null || header.Previous is not { Length: LedgerCodec.HashSize } || header.MerkleRoot is not { Length: LedgerCodec.HashSize }
            || header.Producer is not { Length: INodeSigner.PublicKeySize } || header.Target is null || header.Signature is null)
        {
            return LedgerError.Malformed;
        }

        byte[] hash = LedgerCodec.BlockHash(header);
        string key = LedgerCodec.Hex(hash);
        if (_index.TryGetValue(key, out entry))
        {
            return entry.Invalid != LedgerError.None ? entry.Invalid : LedgerError.Duplicate;
        }

        if (!_index.TryGetValue(LedgerCodec.Hex(header.Previous), out HeaderEntry? parent))
        {
            return LedgerError.UnknownParent;
        }

        if (parent.Invalid != LedgerError.None)
        {
            return LedgerError.InvalidAncestor;
        }

        if (header.Height != parent.Height + 1)
        {
            return LedgerError.BadHeight;
        }

        if (parent.Height < _main.Count - 1 - ChainRules.MaxReorgDepth && !IsOnMain(parent))
        {
            return LedgerError.ForkTooDeep;
        }

        if (header.Timestamp <= parent.MedianTimePast())
        {
            return LedgerError.TimestampTooOld;
        }

        if (header.Timestamp > (_time.GetUtcNow() + ChainRules.MaxFutureDrift).ToUnixTimeMilliseconds())
        {
            return LedgerError.TimestampTooFarInFuture;
        }

        LedgerError seal = _consensus.CheckSeal(header, hash, parent);
        if (seal != LedgerError.None)
        {
            return seal;
        }

        if (_consensus is ProofOfAuthority
            && !_signatures.Verify(PeerId.FromPublicKey(header.Producer), header.Producer, LedgerCodec.SealBytes(header), header.Signature))
        {
            return LedgerError.BadSignature;
        }

        entry = new HeaderEntry(header, hash, parent, parent.Weight + _consensus.Weight(header));
        _index[key] = entry;
        AddChild(parent, entry);
        _store.AddHeader(hash, header);
        if (entry.Weight > _bestHeader.Weight)
        {
            _bestHeader = entry;
        }

        return LedgerError.None;
    }

    /// <summary>
    /// After a restart: a block whose body was stored but whose commit was interrupted (or that was
    /// waiting for its parent) is connected now if its chain is the heaviest held.
    /// </summary>
    private void ResumeHeaviest()
    {
        lock (_sync)
        {
            var held = new List<HeaderEntry>();
            foreach (HeaderEntry entry in _index.Values)
            {
                if (entry.HasBody && entry.Weight > _main[^1].Weight)
                {
                    held.Add(entry);
                }
            }

            held.Sort((a, b) => b.Weight.CompareTo(a.Weight));
            foreach (HeaderEntry entry in held)
            {
                if (entry.Weight > _main[^1].Weight && entry.Invalid == LedgerError.None && _store.GetBlock(entry.Hash) is { } block)
                {
                    Activate(entry, block);
                }
            }
        }
    }

    private void AddChild(HeaderEntry parent, HeaderEntry child)
    {
        if (!_children.TryGetValue(parent.Key, out List<HeaderEntry>? children))
        {
            children = [];
            _children[parent.Key] = children;
        }

        children.Add(child);
    }

    /// <summary>Creates the genesis state on first start, or rebuilds the tree and main chain from the store.</summary>
    private HeaderEntry Load(GenesisSpec spec)
    {
        byte[]? stored = _store.Meta("genesis");
        if (stored is not null && !stored.AsSpan().SequenceEqual(GenesisHash))
        {
            throw new InvalidOperationException(
                "The ledger database in this data directory belongs to another chain (its genesis differs from the configured one). Use another data directory or restore the configuration it was created with.");
        }

        if (stored is null)
        {
            _store.Begin();
            _store.AddHeader(GenesisHash, Genesis);
            _store.AddBody(GenesisHash, new Block { Header = Genesis });
            for (int i = 0; i < spec.Accounts.Count; i++)
            {
                _store.PutAccount(new PeerId(spec.Accounts[i]), new Account((long)spec.Balances[i], 0));
            }

            _store.Connect(0, GenesisHash, new Dictionary<PeerId, Account>(), new BlockUndo());
            _store.SetMeta("genesis", GenesisHash);
            _store.CommitTransaction();
        }

        var genesis = new HeaderEntry(Genesis, GenesisHash, null, _consensus.Weight(Genesis)) { HasBody = true };
        _index[genesis.Key] = genesis;
        HeaderEntry best = genesis;
        foreach ((byte[] hash, BlockHeader header, bool hasBody) in _store.Headers())
        {
            string key = LedgerCodec.Hex(hash);
            if (_index.ContainsKey(key) || !_index.TryGetValue(LedgerCodec.Hex(header.Previous), out HeaderEntry? parent))
            {
                continue;
            }

            var entry = new HeaderEntry(header, hash, parent, parent.Weight + _consensus.Weight(header)) { HasBody = hasBody };
            _index[key] = entry;
            AddChild(parent, entry);
            if (entry.Weight > best.Weight)
            {
                best = entry;
            }
        }

        foreach (byte[] hash in _store.MainChain())
        {
            _main.Add(_index[LedgerCodec.Hex(hash)]);
        }

        return best;
    }
}
