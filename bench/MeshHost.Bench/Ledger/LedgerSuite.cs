using System.Diagnostics;
using System.Security.Cryptography;
using MeshHost.Bench.Reporting;
using MeshHost.Bench.Suites;
using MeshHost.Mesh;
using MeshHost.MessagePack;
using MeshHost.Plugins.Ledger;
using MeshHost.Sdk;
using MeshHost.Transport;
using MeshHost.Transport.Testing;

namespace MeshHost.Bench.Ledger;

/// <summary>
/// The ledger's validation cost (docs/ledger.md). Baseline, measured first in the same run: raw
/// ECDSA P-256 verifications per second on one core with a key already imported, the floor cost of
/// a transfer. Then: transfers validated per second (the block body checks: canonical encoding, id,
/// Merkle leaf, signature, verified in parallel on all cores), the time to validate and apply a
/// 1,000-transfer block (state in SQLite, one commit), and the time for a second node to sync a
/// 10,000-block chain of 10 transfers per block headers first (2,000 blocks with --quick).
/// </summary>
internal sealed class LedgerSuite : ISuite
{
    private const int Senders = 100;

    private const int TransfersPerSyncedBlock = 10;

    public string Name => "ledger";

    public string Description => "Ledger: transfers validated/s vs raw single-core ECDSA verify/s, 1,000-transfer block validate+apply, 10,000-block sync";

    public Task<SuiteReport> RunAsync(SuiteRunOptions options, CancellationToken cancellationToken)
    {
        var metrics = new List<Metric>();
        var errors = new List<string>();
        TextWriter progress = options.Progress;
        string folder = Directory.CreateTempSubdirectory("meshhost-bench-ledger-").FullName;
        try
        {
            TimeSpan duration = TimeSpan.FromSeconds(options.Quick ? 1 : 4);
            double raw = RawVerifyRate(duration);
            progress.WriteLine($"raw ECDSA P-256 verify, one core: {raw:N0}/s");
            metrics.Add(Metric.Plain("ecdsa.verify.raw.single-core", raw, "verify/s"));

            using var bench = new Bench(folder, "validate");
            double rate = bench.ValidationRate(duration);
            progress.WriteLine($"transfers validated: {rate:N0}/s on {Environment.ProcessorCount} cores ({rate / raw:0.00}x the raw single-core rate)");
            metrics.Add(Metric.HigherIsBetter("transfers.validated", rate, "tx/s", "raw ECDSA verify, 1 core", raw, MetricTarget.MinRatio(0.8)));

            double blockMs = bench.ApplyBlockMs(options.Quick ? 3 : 10);
            double rawBlockMs = 1000 * 1000.0 / raw;
            progress.WriteLine($"1,000-transfer block validated and applied: {blockMs:0.0} ms (1,000 raw verifies on one core: {rawBlockMs:0.0} ms)");
            metrics.Add(Metric.LowerIsBetter("block1000.validate-apply", blockMs, "ms", "1,000 raw verifies, 1 core", rawBlockMs));

            int blocks = options.Quick ? 2_000 : 10_000;
            (double buildS, double syncS) = SyncChain(folder, blocks, progress);
            progress.WriteLine($"{blocks:N0}-block chain ({blocks * TransfersPerSyncedBlock:N0} transfers) synced headers first in {syncS:0.0} s (the producer built and committed it in {buildS:0.0} s)");
            metrics.Add(Metric.LowerIsBetter($"sync.{blocks}.blocks", syncS, "s", "building the same chain", buildS));
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or CryptographicException)
        {
            errors.Add(e.Message);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }

        return Task.FromResult(new SuiteReport(Name, options.Quick ? "quick" : "full", metrics, errors));
    }

    /// <summary>Verifications per second of one valid 200-byte message, one key, one thread.</summary>
    private static double RawVerifyRate(TimeSpan duration)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] data = RandomNumberGenerator.GetBytes(200);
        byte[] signature = key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        for (int i = 0; i < 200; i++)
        {
            key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        long count = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration)
        {
            for (int i = 0; i < 100; i++)
            {
                if (!key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
                {
                    throw new InvalidOperationException("The baseline's signature did not verify.");
                }
            }

            count += 100;
        }

        return count / watch.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Builds a chain of blocks of 10 transfers each on one node, then has a second node sync it as the
    /// plugin does: header answers of 2,000 and block answers of 64, each encoded and decoded as on the
    /// wire, every header and block validated and each answer committed once.
    /// </summary>
    private static (double Build, double Sync) SyncChain(string folder, int blocks, TextWriter progress)
    {
        using var producer = new Bench(folder, "producer");
        var watch = Stopwatch.StartNew();
        var headers = new List<BlockHeader>(blocks);
        var bodies = new List<Block>(blocks);
        for (int i = 0; i < blocks; i++)
        {
            producer.Time.Advance(TimeSpan.FromSeconds(10));
            Block block = producer.FullBlock(TransfersPerSyncedBlock, i * TransfersPerSyncedBlock);
            producer.Require(producer.Chain.AddBlock(block).Error);
            headers.Add(block.Header);
            bodies.Add(block);
        }

        double build = watch.Elapsed.TotalSeconds;
        progress.WriteLine($"built {blocks:N0} blocks of {TransfersPerSyncedBlock} transfers in {build:0.0} s");

        using var joiner = new Bench(folder, "joiner", producer.Time);
        watch.Restart();
        for (int i = 0; i < headers.Count; i += ChainRules.MaxHeadersPerAnswer)
        {
            SyncResponse answer = OverTheWire(new SyncResponse { Headers = headers.GetRange(i, Math.Min(ChainRules.MaxHeadersPerAnswer, headers.Count - i)) });
            joiner.Require(joiner.Chain.AddHeaders(answer.Headers, out _));
        }

        for (int i = 0; i < bodies.Count; i += ChainRules.MaxBlocksPerRequest)
        {
            SyncResponse answer = OverTheWire(new SyncResponse { Blocks = bodies.GetRange(i, Math.Min(ChainRules.MaxBlocksPerRequest, bodies.Count - i)) });
            foreach (BlockResult result in joiner.Chain.AddBlocks(answer.Blocks))
            {
                joiner.Require(result.Error);
            }
        }

        double sync = watch.Elapsed.TotalSeconds;
        if (joiner.Chain.Tip.Key != producer.Chain.Tip.Key || !joiner.Chain.Accounts().SequenceEqual(producer.Chain.Accounts()))
        {
            throw new InvalidOperationException("The synced chain's tip or state differs from the producer's.");
        }

        return (build, sync);
    }

    private static SyncResponse OverTheWire(SyncResponse answer) =>
        MessagePackSerializer.Deserialize<SyncResponse>(MessagePackSerializer.Serialize(answer))!;

    /// <summary>A chain in its own SQLite file with 100 funded senders, proof of work at difficulty 0.</summary>
    private sealed class Bench : IDisposable
    {
        private readonly List<NodeSigner> _senders = [];

        public Bench(string folder, string name, ManualTimeProvider? time = null)
        {
            Time = time ?? new ManualTimeProvider();
            Producer = new NodeSigner(NodeIdentity.Generate());
            for (int i = 0; i < Senders; i++)
            {
                _senders.Add(new NodeSigner(SharedIdentities.Get(i)));
            }

            var options = new LedgerOptions
            {
                PowBits = 0,
                Genesis = _senders.ToDictionary(s => s.Id, _ => 1_000_000_000UL),
                MempoolSize = 100_000,
            };
            Chain = new ChainState(new LedgerStore(Path.Combine(folder, name + ".db")), options.CreateConsensus(), options.ToGenesis(), Time, new SignatureCache());
        }

        public ManualTimeProvider Time { get; }

        public NodeSigner Producer { get; }

        public ChainState Chain { get; }

        public void Require(LedgerError error)
        {
            if (error != LedgerError.None)
            {
                throw new InvalidOperationException($"The bench's own block was refused: {error}.");
            }
        }

        public Block Seal(Block block) =>
            block with { Header = Chain.Consensus.Seal(block.Header, Chain.Tip, Producer, CancellationToken.None)! };

        /// <summary>A block of <paramref name="count"/> valid transfers on the tip, taken round-robin from the senders from <paramref name="first"/> on.</summary>
        public Block FullBlock(int count = 1000, int first = 0)
        {
            var transfers = new List<Transaction>(count);
            long expiry = Time.GetUtcNow().AddHours(1).ToUnixTimeMilliseconds();
            long[] nonces = [.. _senders.Select(s => Chain.GetAccount(s.Id).Nonce)];
            for (int i = 0; i < count; i++)
            {
                int s = (first + i) % Senders;
                transfers.Add(LedgerCodec.Sign(_senders[s], new Transaction
                {
                    Chain = Chain.GenesisHash,
                    To = _senders[(s + 1) % Senders].Id.ToArray(),
                    Amount = 1,
                    Fee = 1,
                    Nonce = (ulong)nonces[s]++,
                    Expiry = expiry,
                }));
            }

            Block block = Chain.BuildBlock(transfers, Producer.PublicKey.ToArray(), Time.GetUtcNow().ToUnixTimeMilliseconds());
            if (block.Transactions.Count != count)
            {
                throw new InvalidOperationException($"Only {block.Transactions.Count} of {count} transfers fit the block.");
            }

            return Seal(block);
        }

        /// <summary>Body validations (all checks but state) of one 1,000-transfer block, repeated: transfers per second.</summary>
        public double ValidationRate(TimeSpan duration)
        {
            Block block = FullBlock();
            Chain.CheckBody(block, out _);
            long count = 0;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < duration)
            {
                if (Chain.CheckBody(block, out _) != LedgerError.None)
                {
                    throw new InvalidOperationException("The bench's block did not validate.");
                }

                count += block.Transactions.Count;
            }

            return count / watch.Elapsed.TotalSeconds;
        }

        /// <summary>The mean time of AddBlock (every check, state applied, one SQLite commit) for 1,000-transfer blocks.</summary>
        public double ApplyBlockMs(int blocks)
        {
            double total = 0;
            for (int i = 0; i < blocks; i++)
            {
                Time.Advance(TimeSpan.FromSeconds(10));
                Block block = FullBlock();
                var watch = Stopwatch.StartNew();
                Require(Chain.AddBlock(block).Error);
                total += watch.Elapsed.TotalMilliseconds;
            }

            return total / blocks;
        }

        public void Dispose()
        {
            Chain.Dispose();
            Producer.Dispose();
            foreach (NodeSigner sender in _senders)
            {
                sender.Dispose();
            }
        }
    }

    /// <summary>The senders' keys, shared by the chains of one run so that their genesis blocks fund the same accounts.</summary>
    private static class SharedIdentities
    {
        private static readonly NodeIdentity[] Identities = [.. Enumerable.Range(0, Senders).Select(_ => NodeIdentity.Generate())];

        public static NodeIdentity Get(int index) => Identities[index];
    }
}
