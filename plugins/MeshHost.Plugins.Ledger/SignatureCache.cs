using System.Collections.Concurrent;
using System.Security.Cryptography;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger;

/// <summary>
/// Verifies ECDSA P-256/SHA-256 (P1363) signatures, keeping the imported key of recent senders:
/// importing a key costs several verifications, and a chain's transfers come from a limited set of
/// accounts. Bounded: past the capacity the whole cache is dropped and refilled (cheap, rare, and
/// no per-hit bookkeeping to contend on when blocks are verified on every core).
/// </summary>
/// <remarks>
/// Thread-safe without a lock on the verify path: a verification only reads the key (OpenSSL creates
/// a context per operation), so several threads may verify with one key at once.
/// </remarks>
internal sealed class SignatureCache : IDisposable
{
    private readonly ConcurrentDictionary<PeerId, ECDsa?> _keys = new();
    private readonly int _capacity;
    private bool _disposed;

    public SignatureCache(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Keys held now.</summary>
    public int Count => _keys.Count;

    /// <summary>Whether <paramref name="signature"/> signs <paramref name="data"/> under <paramref name="publicKey"/>, whose NodeId is <paramref name="id"/>. Never throws.</summary>
    public bool Verify(PeerId id, byte[] publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != INodeSigner.PublicKeySize || signature.Length != INodeSigner.SignatureSize)
        {
            return false;
        }

        if (!_keys.TryGetValue(id, out ECDsa? key))
        {
            if (_keys.Count >= _capacity)
            {
                // Not disposed here: another thread may be verifying with one of them; the GC finalizes them.
                _keys.Clear();
            }

            key = Import(publicKey);
            if (!_disposed)
            {
                key = _keys.GetOrAdd(id, key);
            }
        }

        if (key is null)
        {
            return false;
        }

        try
        {
            return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (ECDsa? key in _keys.Values)
        {
            key?.Dispose();
        }

        _keys.Clear();
    }

    /// <summary>The key, or null when the bytes are not a point on P-256 (remembered, so a repeat costs nothing).</summary>
    private static ECDsa? Import(byte[] publicKey)
    {
        try
        {
            return ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = publicKey[..32], Y = publicKey[32..] },
            });
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
