using System.Security.Cryptography;
using MeshHost.Dht.Protocol;
using MeshHost.Transport;

namespace MeshHost.Dht.Records;

/// <summary>
/// Checks records before they are stored or believed: size limits, key ownership, validity period
/// and signature. Signature results are cached by the SHA-256 of the signed bytes and signature,
/// because the same record reaches a node many times (STORE, republish, lookups) and an ECDSA
/// verification costs ~200 µs. The cache is a pure function of the bytes, so several nodes in one
/// process (a simulation) may share one validator.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class RecordValidator
{
    private readonly Lock _sync = new();
    private readonly Dictionary<Hash, bool> _verified = new();
    private readonly int _cacheCapacity;

    /// <summary>Creates a validator whose signature cache holds up to <paramref name="cacheCapacity"/> results.</summary>
    public RecordValidator(DhtOptions options, int cacheCapacity = 4096)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _cacheCapacity = cacheCapacity;
    }

    /// <summary>The limits applied.</summary>
    public DhtOptions Options { get; }

    /// <summary>Signature verifications actually performed (cache misses), for tests and benchmarks.</summary>
    public long Verifications { get; private set; }

    /// <summary>Judges <paramref name="record"/> at time <paramref name="now"/>.</summary>
    public RecordVerdict Validate(WireRecord? record, DateTimeOffset now)
    {
        if (record is null || record.Key is not { Length: NodeId.Size } || record.PublisherKey is not { Length: NodeIdentity.PublicKeySize }
            || record.Signature is not { Length: NodeIdentity.SignatureSize } || record.Value is null || record.Namespace is null || record.Name is null)
        {
            return RecordVerdict.Malformed;
        }

        if (record.Value.Length > Options.MaxRecordValueBytes || record.Namespace.Length > Options.MaxNamespaceLength || record.Name.Length > Options.MaxNamespaceLength)
        {
            return RecordVerdict.Oversized;
        }

        var key = new NodeId(record.Key);
        NodeId publisher = NodeId.FromPublicKey(record.PublisherKey);
        switch ((RecordKind)record.Kind)
        {
            case RecordKind.Peer:
                if (key != publisher)
                {
                    return RecordVerdict.WrongPublisher;
                }

                break;
            case RecordKind.Provider:
                break;
            case RecordKind.Value:
                if (record.Namespace.Length == 0 || key != DhtRecords.ValueKey(record.Namespace, publisher, record.Name))
                {
                    return RecordVerdict.WrongPublisher;
                }

                break;
            default:
                return RecordVerdict.Malformed;
        }

        long nowMs = now.ToUnixTimeMilliseconds();
        if (record.ExpiresAtMs <= nowMs || record.IssuedAtMs > nowMs + (long)Options.MaxClockSkew.TotalMilliseconds
            || record.ExpiresAtMs - record.IssuedAtMs > (long)Options.MaxRecordTtl.TotalMilliseconds)
        {
            return RecordVerdict.Expired;
        }

        byte[] signed = DhtRecords.SignedBytes(record);
        if (signed.Length > Options.MaxRecordBytes)
        {
            return RecordVerdict.Oversized;
        }

        return VerifySignature(record, signed) ? RecordVerdict.Valid : RecordVerdict.BadSignature;
    }

    private bool VerifySignature(WireRecord record, byte[] signed)
    {
        Span<byte> digest = stackalloc byte[32];
        using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            sha.AppendData(signed);
            sha.AppendData(record.Signature);
            sha.GetHashAndReset(digest);
        }

        var hash = new Hash(new NodeId(digest));
        lock (_sync)
        {
            if (_verified.TryGetValue(hash, out bool cached))
            {
                return cached;
            }
        }

        bool ok = NodeIdentity.Verify(record.PublisherKey, signed, record.Signature);
        lock (_sync)
        {
            Verifications++;
            if (_verified.Count >= _cacheCapacity)
            {
                // Crude but bounded: a full cache starts over rather than tracking recency.
                _verified.Clear();
            }

            _verified[hash] = ok;
        }

        return ok;
    }

    private readonly record struct Hash(NodeId Value);
}
