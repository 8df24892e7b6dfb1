using System.Numerics;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger;

/// <summary>
/// Proof of work: a block's hash, read as a 256-bit big-endian number, must not exceed its target;
/// its weight is the expected number of hashes, 2^256 / (target + 1). The target is retargeted at
/// every block from the time the last <see cref="Window"/> blocks took, toward the configured
/// interval, by at most a factor of 4 per step and never easier than the genesis target.
/// </summary>
internal sealed class ProofOfWork : IConsensus
{
    /// <summary>How many blocks the retarget looks back over.</summary>
    public const int Window = 10;

    private static readonly BigInteger TwoTo256 = BigInteger.One << 256;

    private readonly BigInteger _limit;
    private readonly long _intervalMs;

    public ProofOfWork(int initialBits, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(initialBits, 255);
        _limit = (TwoTo256 >> initialBits) - 1;
        _intervalMs = (long)interval.TotalMilliseconds;
        GenesisTarget = ToBytes(_limit);
    }

    public string Name => "pow";

    public byte[] GenesisTarget { get; }

    public static BigInteger FromBytes(ReadOnlySpan<byte> bytes) => new(bytes, isUnsigned: true, isBigEndian: true);

    public static byte[] ToBytes(BigInteger value)
    {
        byte[] bytes = new byte[32];
        int length = value.GetByteCount(isUnsigned: true);
        value.TryWriteBytes(bytes.AsSpan(32 - length), out _, isUnsigned: true, isBigEndian: true);
        return bytes;
    }

    public BigInteger Weight(BlockHeader header) => TwoTo256 / (FromBytes(header.Target) + 1);

    /// <summary>The target the child of <paramref name="parent"/> must carry.</summary>
    public BigInteger ExpectedTarget(HeaderEntry parent)
    {
        BigInteger parentTarget = parent.Height == 0 ? _limit : FromBytes(parent.Header.Target);
        if (parent.Height < Window)
        {
            return _limit;
        }

        HeaderEntry first = parent.Ancestor(parent.Height - Window)!;
        long expected = Window * _intervalMs;
        long actual = Math.Clamp(parent.Header.Timestamp - first.Header.Timestamp, expected / 4, expected * 4);
        BigInteger next = parentTarget * actual / expected;
        return BigInteger.Max(BigInteger.One, BigInteger.Min(next, _limit));
    }

    public LedgerError CheckSeal(BlockHeader header, byte[] hash, HeaderEntry parent)
    {
        if (header.Target is not { Length: 32 } || header.Signature.Length != 0)
        {
            return LedgerError.Malformed;
        }

        BigInteger target = FromBytes(header.Target);
        return target != ExpectedTarget(parent) || FromBytes(hash) > target ? LedgerError.InsufficientWork : LedgerError.None;
    }

    public long? ProduceAt(HeaderEntry parent, INodeSigner signer) => long.MinValue;

    public BlockHeader? Seal(BlockHeader template, HeaderEntry parent, INodeSigner signer, CancellationToken cancellationToken)
    {
        BigInteger target = ExpectedTarget(parent);
        BlockHeader header = template with { Target = ToBytes(target), Signature = [] };
        for (ulong nonce = 0; ; nonce++)
        {
            if ((nonce & 0x3FF) == 0 && cancellationToken.IsCancellationRequested)
            {
                return null;
            }

            BlockHeader candidate = header with { Nonce = nonce };
            if (FromBytes(LedgerCodec.BlockHash(candidate)) <= target)
            {
                return candidate;
            }
        }
    }
}
