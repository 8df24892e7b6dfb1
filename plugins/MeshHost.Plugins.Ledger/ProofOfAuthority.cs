using System.Numerics;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger;

/// <summary>
/// Proof of authority after EIP-225 (Clique): a fixed, sorted set of N signer keys; the signer at
/// index height mod N is in turn and its block weighs 2, any other signer's weighs 1; a signer may
/// sign at most one of any floor(N/2)+1 consecutive blocks. An out-of-turn signer waits a little
/// longer than the interval (by its distance from the turn), so the in-turn block usually wins.
/// </summary>
internal sealed class ProofOfAuthority : IConsensus
{
    private readonly List<byte[]> _signers;
    private readonly long _intervalMs;

    public ProofOfAuthority(IReadOnlyList<byte[]> signers, TimeSpan interval)
    {
        if (signers.Count == 0)
        {
            throw new ArgumentException("Proof of authority needs at least one signer.", nameof(signers));
        }

        _signers = [.. signers];
        _signers.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        _intervalMs = (long)interval.TotalMilliseconds;
    }

    public string Name => "poa";

    public byte[] GenesisTarget => [];

    public IReadOnlyList<byte[]> Signers => _signers;

    /// <summary>A signer may sign one of any this many consecutive blocks.</summary>
    public int Limit => (_signers.Count / 2) + 1;

    public BigInteger Weight(BlockHeader header) => header.Target is [byte weight] ? weight : BigInteger.Zero;

    public LedgerError CheckSeal(BlockHeader header, byte[] hash, HeaderEntry parent)
    {
        if (header.Target is not [1 or 2] || header.Signature.Length != INodeSigner.SignatureSize || header.Producer.Length != INodeSigner.PublicKeySize)
        {
            return LedgerError.Malformed;
        }

        int index = IndexOf(header.Producer);
        if (index < 0 || header.Target[0] != TurnWeight(index, header.Height) || SignedRecently(parent, header.Producer))
        {
            return LedgerError.BadSigner;
        }

        // The seal is verified by the caller with the other signatures (ChainState), against Producer.
        return LedgerError.None;
    }

    public long? ProduceAt(HeaderEntry parent, INodeSigner signer)
    {
        byte[] key = signer.PublicKey.ToArray();
        int index = IndexOf(key);
        if (index < 0 || SignedRecently(parent, key))
        {
            return null;
        }

        long height = parent.Height + 1;
        int distance = (int)((index - (height % _signers.Count) + _signers.Count) % _signers.Count);
        return parent.Header.Timestamp + _intervalMs + (distance * Math.Max(1, _intervalMs / 2));
    }

    public BlockHeader? Seal(BlockHeader template, HeaderEntry parent, INodeSigner signer, CancellationToken cancellationToken)
    {
        byte[] key = signer.PublicKey.ToArray();
        int index = IndexOf(key);
        if (index < 0 || SignedRecently(parent, key))
        {
            return null;
        }

        BlockHeader header = template with { Producer = key, Target = [TurnWeight(index, template.Height)], Nonce = 0, Signature = [] };
        byte[] signature = new byte[INodeSigner.SignatureSize];
        signer.Sign(LedgerCodec.SealBytes(header), signature);
        return header with { Signature = signature };
    }

    private byte TurnWeight(int index, long height) => height % _signers.Count == index ? (byte)2 : (byte)1;

    private int IndexOf(byte[] key) => _signers.FindIndex(s => s.AsSpan().SequenceEqual(key));

    /// <summary>Whether <paramref name="key"/> signed one of the last Limit - 1 blocks up to <paramref name="parent"/>.</summary>
    private bool SignedRecently(HeaderEntry parent, byte[] key)
    {
        HeaderEntry? entry = parent;
        for (int i = 0; i < Limit - 1 && entry is not null && entry.Height > 0; i++, entry = entry.Parent)
        {
            if (entry.Header.Producer.AsSpan().SequenceEqual(key))
            {
                return true;
            }
        }

        return false;
    }
}
