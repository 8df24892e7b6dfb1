using MeshHost.Plugins.Shared;
using MeshHost.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MeshHost.Plugins.Ledger;

/// <summary>
/// The ledger (docs/ledger.md): signed transfers between NodeIds, in blocks chained by SHA-256,
/// agreed by proof of work or proof of authority, gossiped on topics, synced headers-first, and
/// kept in SQLite with crash-safe block commits.
/// </summary>
public sealed partial class LedgerPlugin : IMeshPlugin, IControlApiContributor, ICliContributor
{
    /// <summary>The plugin's id, as in plugin.json.</summary>
    public const string Id = "meshhost.ledger";

    /// <summary>The topic transfers are gossiped on.</summary>
    public const string TransactionTopic = "meshhost.ledger/tx";

    /// <summary>The topic new blocks are announced on (headers; bodies are fetched).</summary>
    public const string BlockTopic = "meshhost.ledger/blocks";

    /// <summary>The request channel for status, headers and blocks.</summary>
    public const string SyncChannelName = "meshhost.ledger/sync";

    /// <summary>How often background work is checked.</summary>
    internal static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    /// <summary>How long one sync request may take.</summary>
    internal static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _produce = new(1, 1);
    private readonly Random _random = new(7);
    private IPluginContext? _context;
    private LedgerOptions _options = new();
    private ChainState? _chain;
    private Mempool? _mempool;
    private BackgroundWork? _background;
    private SignatureCache? _signatures;
    private PeerPenalties? _penalties;
    private ITopic<TransactionGossip>? _txTopic;
    private ITopic<BlockAnnouncement>? _blockTopic;
    private IRequestChannel<SyncRequest, SyncResponse>? _syncChannel;
    private Task _loop = Task.CompletedTask;

    /// <inheritdoc/>
    public string Name => "Ledger";

    /// <inheritdoc/>
    public Version Version { get; } = new(1, 0, 0);

    /// <summary>This node's settings; valid once started.</summary>
    public LedgerOptions Options => _options;

    /// <summary>What happened to what peers sent.</summary>
    public LedgerCounters Counters { get; } = new();

    /// <summary>The main chain's height.</summary>
    public long Height => Chain.Tip.Height;

    /// <summary>The main chain's tip hash (hex).</summary>
    public string TipHash => Chain.Tip.Key;

    /// <summary>Transfers waiting for a block.</summary>
    public int PendingTransactions => Pool.Count;

    internal ChainState Chain => _chain ?? throw new InvalidOperationException("The ledger plugin is not started.");

    internal Mempool Pool => _mempool ?? throw new InvalidOperationException("The ledger plugin is not started.");

    /// <summary>Test seam: called between the statements of a block commit.</summary>
    internal Action<string>? CommitHook { set => Store!.CommitHook = value; }

    internal LedgerStore? Store { get; private set; }

    private IPluginContext Context => _context ?? throw new InvalidOperationException("The ledger plugin is not started.");

    /// <inheritdoc/>
    public void ConfigureServices(IServiceCollection services, IConfiguration configuration) =>
        services.AddSingleton(LedgerOptions.From(configuration));

    /// <inheritdoc/>
    public Task StartAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        _context = context;
        _background = new BackgroundWork(ex => LedgerLog.BackgroundFailed(context.Logger, ex));
        _options = context.Services.GetRequiredService<LedgerOptions>();
        _signatures = new SignatureCache();
        _penalties = new PeerPenalties(context.Time, _options.PenaltyDuration);
        _mempool = new Mempool(_options.MempoolSize, _options.MempoolPerSender);
        Store = new LedgerStore(Path.Combine(context.DataDirectory, "ledger.db"));
        try
        {
            _chain = new ChainState(Store, _options.CreateConsensus(), _options.ToGenesis(), context.Time, _signatures);
        }
        catch
        {
            Store.Dispose();
            throw;
        }

        _chain.TipChanged += tip => LedgerLog.NewTip(Context.Logger, tip.Height, tip.Key[..16], _options.Consensus);
        _txTopic = context.OpenTopic<TransactionGossip>(TransactionTopic);
        _txTopic.Subscribe(OnTransactionAsync);
        _blockTopic = context.OpenTopic<BlockAnnouncement>(BlockTopic);
        _blockTopic.Subscribe(OnAnnouncementAsync);
        _syncChannel = context.OpenRequestChannel<SyncRequest, SyncResponse>(SyncChannelName);
        _syncChannel.Handle(OnSyncRequestAsync);
        var stopping = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, context.Stopping);
        _loop = RunAsync(stopping);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_background is { } background)
        {
            await background.WhenAll().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        _txTopic?.Dispose();
        _blockTopic?.Dispose();
        _syncChannel?.Dispose();
        if (Store is { } store && !store.Dispose())
        {
            LedgerLog.NotUnloadable(Context.Logger);
        }

        _signatures?.Dispose();
        _produce.Dispose();
        _stopping.Dispose();
    }

    /// <summary>The balance and next nonce of <paramref name="account"/> at the tip.</summary>
    public Account Balance(PeerId account) => Chain.GetAccount(account);

    /// <summary>Every account at the tip (hex NodeId to state), sorted: equal on nodes that agree.</summary>
    public SortedDictionary<string, Account> Accounts() => Chain.Accounts();

    /// <summary>The main-chain block at <paramref name="height"/>, or null.</summary>
    public Block? BlockAt(long height) => Chain.BlockAt(height);

    /// <summary>Signs a transfer of <paramref name="amount"/> (plus <paramref name="fee"/>) to <paramref name="to"/>, queues it and gossips it.</summary>
    /// <exception cref="InvalidOperationException">The transfer is refused (the message says why: funds, fee, mempool).</exception>
    public async Task<Transaction> SendAsync(PeerId to, ulong amount, ulong fee, CancellationToken cancellationToken = default)
    {
        if (amount == 0 || amount > long.MaxValue || fee > long.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(amount), "The amount is a whole number from 1 to 2^63 - 1.");
        }

        Account state = Chain.GetAccount(Context.LocalId);
        long now = Context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        Transaction transaction = LedgerCodec.Sign(Context.Identity, new Transaction
        {
            Chain = Chain.GenesisHash,
            To = to.ToArray(),
            Amount = amount,
            Fee = fee,
            Nonce = (ulong)Pool.NextNonce(Context.LocalId, state.Nonce),
            Expiry = now + (long)ChainRules.DefaultExpiry.TotalMilliseconds,
        });
        LedgerError error = Pool.Add(transaction, state, _options.MinFee, now);
        if (error != LedgerError.None)
        {
            throw new InvalidOperationException(error switch
            {
                LedgerError.Overspend => $"This node's balance ({state.Balance}) does not cover {amount} + fee {fee} and its pending transfers.",
                LedgerError.FeeTooLow => $"The fee is under this node's minimum of {_options.MinFee}.",
                _ => $"The transfer was refused: {error}.",
            });
        }

        await PublishAsync(_txTopic!, new TransactionGossip { Transaction = transaction }, cancellationToken).ConfigureAwait(false);
        return transaction;
    }

    /// <summary>
    /// Produces one block now from the mempool: proof of work mines it; proof of authority signs it
    /// when this node is a signer allowed to sign the next block. Null when it may not, or when the tip
    /// moved while mining.
    /// </summary>
    public async Task<Block?> ProduceAsync(CancellationToken cancellationToken = default)
    {
        await _produce.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            HeaderEntry tip = Chain.Tip;
            if (Chain.Consensus.ProduceAt(tip, Context.Identity) is null)
            {
                return null;
            }

            long now = Context.Time.GetUtcNow().ToUnixTimeMilliseconds();
            Block template = Chain.BuildBlock(Pool.Candidates(ChainRules.MaxBlockTransactions), Context.Identity.PublicKey.ToArray(), now);
            BlockHeader? sealedHeader = await Task.Run(() => Chain.Consensus.Seal(template.Header, tip, Context.Identity, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (sealedHeader is null)
            {
                return null;
            }

            var block = template with { Header = sealedHeader };
            BlockResult result = Chain.AddBlock(block);
            if (result.Error != LedgerError.None)
            {
                return null;
            }

            AfterTipChange(result);
            await PublishAsync(_blockTopic!, new BlockAnnouncement { Header = sealedHeader }, cancellationToken).ConfigureAwait(false);
            return block;
        }
        finally
        {
            _produce.Release();
        }
    }

    /// <summary>Updates the mempool after the main chain changed: included transfers leave, orphaned ones come back.</summary>
    private void AfterTipChange(BlockResult result)
    {
        if (result.Connected.Count == 0)
        {
            return;
        }

        if (result.Disconnected.Count > 0)
        {
            Counters.CountReorganisation();
            LedgerLog.Reorganised(Context.Logger, result.Disconnected.Count, result.Connected.Count, Chain.Tip.Height);
        }

        var included = new List<Transaction>();
        foreach (Block block in result.Connected)
        {
            included.AddRange(block.Transactions);
        }

        Pool.RemoveIncluded(included, Chain.GetAccount);
        long now = Context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (Block block in result.Disconnected)
        {
            foreach (Transaction transaction in block.Transactions)
            {
                // Back to the mempool if still valid on the new chain (a double spend there is refused here).
                Pool.Add(transaction, Chain.GetAccount(LedgerCodec.Sender(transaction)), 0, now);
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> in the background, tracked so the stop can wait for it.</summary>
    private void Spawn(Func<CancellationToken, Task> work) => _background!.Spawn(work, _stopping.Token);

    private Task RunAsync(CancellationTokenSource stopping)
    {
        long lastSync = long.MinValue;
        return _background!.RunEveryAsync(Tick, Context.Time, stopping, async cancellationToken =>
        {
            if (lastSync == long.MinValue || Context.Time.GetElapsedTime(lastSync) >= _options.SyncInterval)
            {
                lastSync = Context.Time.GetTimestamp();
                Pool.Expire(Context.Time.GetUtcNow().ToUnixTimeMilliseconds(), Chain.GetAccount);
                try
                {
                    await SyncAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not (OperationCanceledException or ObjectDisposedException))
                {
                    // Whatever a peer's answer did, the loop must keep running: log it and sync again next round.
                    LedgerLog.BackgroundFailed(Context.Logger, ex);
                }
            }

            if (_options.Produce && Chain.Consensus.ProduceAt(Chain.Tip, Context.Identity) is { } at
                && Context.Time.GetUtcNow().ToUnixTimeMilliseconds() >= at)
            {
                await ProduceAsync(cancellationToken).ConfigureAwait(false);
            }
        });
    }
}
