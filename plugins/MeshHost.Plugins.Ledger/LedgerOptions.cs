using System.Globalization;
using MeshHost.Sdk;
using MeshHost.Plugins.Shared;
using Microsoft.Extensions.Configuration;

namespace MeshHost.Plugins.Ledger;

/// <summary>
/// The plugin's settings, from <c>Plugins:meshhost.ledger</c>, read by hand (no reflection binder).
/// Every node of one chain needs the same consensus, genesis and interval settings: they are hashed
/// into the genesis block.
/// </summary>
public sealed record LedgerOptions
{
    /// <summary><c>pow</c> (default) or <c>poa</c>. Key <c>Consensus</c>.</summary>
    public string Consensus { get; init; } = "pow";

    /// <summary>The target block interval (default 10 s). Key <c>BlockIntervalSeconds</c>.</summary>
    public TimeSpan BlockInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Proof of work: leading zero bits of the initial (and easiest) target, 0 to 64 (default 16). Key <c>PowBits</c>.</summary>
    public int PowBits { get; init; } = 16;

    /// <summary>Proof of authority: the signers' 64-byte public keys (128 hex digits each, comma-separated). Key <c>Signers</c>.</summary>
    public IReadOnlyList<byte[]> Signers { get; init; } = [];

    /// <summary>Proof of work: mine continuously. Proof of authority: sign blocks in turn (when this node is a signer). Key <c>Produce</c>.</summary>
    public bool Produce { get; init; }

    /// <summary>The funded accounts: <c>Genesis:NODEID = amount</c>.</summary>
    public IReadOnlyDictionary<PeerId, ulong> Genesis { get; init; } = new Dictionary<PeerId, ulong>();

    /// <summary>The genesis time, Unix ms (default 0, the Unix epoch: any later block time is valid). Key <c>GenesisTime</c>.</summary>
    public long GenesisTime { get; init; }

    /// <summary>What a block's producer earns beside fees (default 0). Key <c>BlockReward</c>.</summary>
    public ulong BlockReward { get; init; }

    /// <summary>The least fee this node relays and mines (default 1). Key <c>MinFee</c>.</summary>
    public ulong MinFee { get; init; } = 1;

    /// <summary>Transfers the mempool holds (default 10000). Key <c>MempoolSize</c>.</summary>
    public int MempoolSize { get; init; } = 10_000;

    /// <summary>Transfers one sender may have waiting (default 64). Key <c>MempoolPerSender</c>.</summary>
    public int MempoolPerSender { get; init; } = 64;

    /// <summary>How often the node compares tips with peers (default 5 s). Key <c>SyncIntervalSeconds</c>.</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a peer that sent <see cref="PeerPenalties.Threshold"/> invalid blocks is ignored (default 10 min). Key <c>PenaltySeconds</c>.</summary>
    public TimeSpan PenaltyDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The genesis specification these options describe.</summary>
    public GenesisSpec ToGenesis()
    {
        var accounts = new List<PeerId>(Genesis.Keys);
        accounts.Sort();
        var signers = new List<byte[]>(Signers);
        signers.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        return new GenesisSpec
        {
            Consensus = Consensus,
            Timestamp = GenesisTime,
            Accounts = accounts.ConvertAll(a => a.ToArray()),
            Balances = accounts.ConvertAll(a => Genesis[a]),
            Target = Consensus == "pow" ? ProofOfWork.ToBytes((System.Numerics.BigInteger.One << (256 - PowBits)) - 1) : [],
            Signers = signers,
            IntervalMilliseconds = (long)BlockInterval.TotalMilliseconds,
            Reward = BlockReward,
        };
    }

    /// <summary>The consensus these options select.</summary>
    internal IConsensus CreateConsensus() => Consensus == "pow"
        ? new ProofOfWork(PowBits, BlockInterval)
        : new ProofOfAuthority(Signers, BlockInterval);

    private const string Section = "Plugins:meshhost.ledger";

    /// <summary>Reads the section; a value out of range is an error that names the key.</summary>
    /// <exception cref="InvalidOperationException">A value is malformed or out of range.</exception>
    public static LedgerOptions From(IConfiguration configuration)
    {
        string consensus = (configuration["Consensus"] ?? "pow").Trim().ToLowerInvariant();
        if (consensus is not ("pow" or "poa"))
        {
            throw OptionValues.Invalid(Section, "Consensus", consensus, "pow or poa");
        }

        var signers = new List<byte[]>();
        foreach (string text in (configuration["Signers"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (text.Length != INodeSigner.PublicKeySize * 2 || !IsHex(text))
            {
                throw OptionValues.Invalid(Section, "Signers", text, "a comma-separated list of 64-byte public keys in hex ('meshhost ledger status' prints this node's)");
            }

            signers.Add(Convert.FromHexString(text));
        }

        if (consensus == "poa" && signers.Count == 0)
        {
            throw OptionValues.Invalid(Section, "Signers", "", "at least one signer's public key under proof of authority");
        }

        var genesis = new Dictionary<PeerId, ulong>();
        decimal supply = 0;
        foreach (IConfigurationSection account in configuration.GetSection("Genesis").GetChildren())
        {
            if (!PeerId.TryParse(account.Key, out PeerId id))
            {
                throw OptionValues.Invalid(Section, "Genesis:" + account.Key, account.Value ?? "", "keyed by a NodeId (64 hex digits)");
            }

            if (!ulong.TryParse(account.Value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong amount) || amount == 0)
            {
                throw OptionValues.Invalid(Section, "Genesis:" + account.Key, account.Value ?? "", "a positive whole amount");
            }

            genesis[id] = amount;
            supply += amount;
        }

        if (supply > long.MaxValue / 2)
        {
            throw OptionValues.Invalid(Section, "Genesis", supply.ToString(CultureInfo.InvariantCulture), $"a total supply of at most {long.MaxValue / 2}");
        }

        return new LedgerOptions
        {
            Consensus = consensus,
            BlockInterval = TimeSpan.FromSeconds(OptionValues.Number(configuration, Section, "BlockIntervalSeconds", 10, 0.01, 86_400)),
            PowBits = (int)OptionValues.Number(configuration, Section, "PowBits", 16, 0, 64),
            Signers = signers,
            Produce = Flag(configuration, "Produce"),
            Genesis = genesis,
            GenesisTime = (long)OptionValues.Number(configuration, Section, "GenesisTime", 0, 0, 4_102_444_800_000),
            BlockReward = (ulong)OptionValues.Number(configuration, Section, "BlockReward", 0, 0, 1_000_000_000),
            MinFee = (ulong)OptionValues.Number(configuration, Section, "MinFee", 1, 0, 1_000_000_000),
            MempoolSize = (int)OptionValues.Number(configuration, Section, "MempoolSize", 10_000, 1, 1_000_000),
            MempoolPerSender = (int)OptionValues.Number(configuration, Section, "MempoolPerSender", 64, 1, 10_000),
            SyncInterval = TimeSpan.FromSeconds(OptionValues.Number(configuration, Section, "SyncIntervalSeconds", 5, 0.1, 3600)),
            PenaltyDuration = TimeSpan.FromSeconds(OptionValues.Number(configuration, Section, "PenaltySeconds", 600, 1, 86_400)),
        };
    }

    private static bool IsHex(string text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Flag(IConfiguration configuration, string key) => configuration[key] switch
    {
        null => false,
        { } text when bool.TryParse(text, out bool value) => value,
        { } text => throw OptionValues.Invalid(Section, key, text, "true or false"),
    };
}
