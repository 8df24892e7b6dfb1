using MeshHost.Sdk;
using MeshHost.Transport.Testing;

namespace MeshHost.Plugins.Ledger.Tests;

/// <summary>A chain on its own (no mesh): a store in a temporary folder, a manual clock, funded test keys.</summary>
internal sealed class TestChain : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ledger-test-").FullName;

    public TestChain(string consensus = "pow", int accounts = 3, IReadOnlyList<TestKey>? signers = null)
    {
        for (int i = 0; i < accounts; i++)
        {
            Keys.Add(new TestKey());
        }

        Signers = signers ?? [];
        Options = new LedgerOptions
        {
            Consensus = consensus,
            PowBits = 4,
            BlockInterval = TimeSpan.FromSeconds(10),
            Signers = [.. Signers.Select(s => s.PublicKey.ToArray())],
            Genesis = Keys.ToDictionary(k => k.Id, _ => 1000UL),
            GenesisTime = ManualTimeProvider.DefaultStart.ToUnixTimeMilliseconds() - 1000,
        };
        Open();
    }

    public ManualTimeProvider Time { get; } = new();

    public List<TestKey> Keys { get; } = [];

    public IReadOnlyList<TestKey> Signers { get; }

    public LedgerOptions Options { get; }

    public ChainState Chain { get; private set; } = null!;

    public LedgerStore Store { get; private set; } = null!;

    public string Path => System.IO.Path.Combine(_folder, "ledger.db");

    public byte[] ChainId => Chain.GenesisHash;

    /// <summary>(Re)opens the store and chain, as a restart would.</summary>
    public void Open()
    {
        Store = new LedgerStore(Path);
        Chain = new ChainState(Store, Options.CreateConsensus(), Options.ToGenesis(), Time, new SignatureCache());
    }

    /// <summary>Closes the connection without committing anything pending: what a killed process leaves.</summary>
    public void Crash()
    {
        Store.Dispose();
    }

    public Transaction Transfer(TestKey from, PeerId to, ulong amount, ulong nonce, ulong fee = 1, long? expiry = null) =>
        LedgerCodec.Sign(from, new Transaction
        {
            Chain = ChainId,
            To = to.ToArray(),
            Amount = amount,
            Fee = fee,
            Nonce = nonce,
            Expiry = expiry ?? Time.GetUtcNow().AddHours(1).ToUnixTimeMilliseconds(),
        });

    /// <summary>A sealed block on <paramref name="parent"/> (the tip by default) holding exactly <paramref name="transactions"/>.</summary>
    public Block Make(IReadOnlyList<Transaction> transactions, HeaderEntry? parent = null, INodeSigner? producer = null, long? timestamp = null, Func<BlockHeader, BlockHeader>? tamper = null)
    {
        parent ??= Chain.Tip;
        producer ??= Signers.Count > 0 ? Signers[(int)((parent.Height + 1) % Signers.Count)] : Keys[0];
        var header = new BlockHeader
        {
            Height = parent.Height + 1,
            Previous = parent.Hash,
            MerkleRoot = LedgerCodec.MerkleRoot(transactions),
            Timestamp = timestamp ?? Math.Max(Time.GetUtcNow().ToUnixTimeMilliseconds(), parent.MedianTimePast() + 1),
            Producer = producer.PublicKey.ToArray(),
        };
        if (tamper is not null)
        {
            header = tamper(header);
        }

        BlockHeader sealedHeader = Chain.Consensus.Seal(header, parent, producer, CancellationToken.None)!;
        return new Block { Header = sealedHeader, Transactions = [.. transactions] };
    }

    /// <summary>Adds a block and asserts it was accepted.</summary>
    public BlockResult Add(Block block)
    {
        BlockResult result = Chain.AddBlock(block);
        Assert.True(result.Error == LedgerError.None, $"block {block.Header.Height} refused: {result.Error}");
        return result;
    }

    public void Dispose()
    {
        Chain.Dispose();
        foreach (TestKey key in Keys)
        {
            key.Dispose();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
