using System.Security.Cryptography;
using MeshHost.Transport;

namespace MeshHost.Mesh.PubSub;

/// <summary>
/// Verifies P-256 signatures, keeping the imported <see cref="ECDsa"/> of the most recently used
/// public keys: importing a key costs about 200 µs, four times the verification itself, and a topic's
/// messages come from few origins. Keys are held by node id (SHA-256 of the key, which the caller
/// computes anyway for the message id); the least recently used are evicted beyond the capacity.
/// </summary>
/// <remarks>Thread-safe. One key object is used by one thread at a time (its entry's lock).</remarks>
internal sealed class SignatureVerifier : IDisposable
{
    private readonly Lock _sync = new();
    private readonly Dictionary<NodeId, LinkedListNode<Entry>> _entries = new();
    private readonly LinkedList<Entry> _recency = new();
    private readonly int _capacity;
    private long _imports;
    private bool _disposed;

    /// <summary>Creates a verifier that keeps up to <paramref name="capacity"/> keys.</summary>
    public SignatureVerifier(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Keys held now.</summary>
    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Keys imported so far (cache misses).</summary>
    public long Imports => Interlocked.Read(ref _imports);

    /// <summary>
    /// Whether <paramref name="signature"/> is a valid ECDSA P-256/SHA-256 (P1363) signature of
    /// <paramref name="data"/> by <paramref name="publicKey"/> (<c>X || Y</c>), whose node id is
    /// <paramref name="id"/> (<see cref="NodeId.FromPublicKey"/>: the caller vouches for it). False,
    /// never an exception, for a malformed key or signature.
    /// </summary>
    public bool Verify(NodeId id, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != NodeIdentity.PublicKeySize || signature.Length != NodeIdentity.SignatureSize)
        {
            return false;
        }

        Entry entry = GetOrImport(id, publicKey);
        lock (entry.Gate)
        {
            if (entry.Key is null)
            {
                // Not a point on the curve (remembered, so repeating it costs nothing), or evicted meanwhile.
                return !entry.Invalid && NodeIdentity.Verify(publicKey, data, signature);
            }

            try
            {
                return entry.Key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
            catch (CryptographicException)
            {
                return false;
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        List<Entry> entries;
        lock (_sync)
        {
            _disposed = true;
            entries = [.. _recency];
            _entries.Clear();
            _recency.Clear();
        }

        foreach (Entry entry in entries)
        {
            entry.Release();
        }
    }

    private Entry GetOrImport(NodeId id, ReadOnlySpan<byte> publicKey)
    {
        lock (_sync)
        {
            if (_entries.TryGetValue(id, out LinkedListNode<Entry>? node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                return node.Value;
            }
        }

        // Imported outside the lock, so that checks with other keys need not wait for it.
        Entry created = Entry.Import(id, publicKey);
        Interlocked.Increment(ref _imports);
        Entry? evicted = null;
        lock (_sync)
        {
            if (_entries.TryGetValue(id, out LinkedListNode<Entry>? raced))
            {
                evicted = created;
                created = raced.Value;
            }
            else if (!_disposed)
            {
                _entries.Add(id, _recency.AddFirst(created));
                if (_entries.Count > _capacity)
                {
                    evicted = _recency.Last!.Value;
                    _recency.RemoveLast();
                    _entries.Remove(evicted.Id);
                }
            }
        }

        // Disposing waits for a thread still verifying with the evicted key.
        evicted?.Release();
        return created;
    }

    /// <summary>One cached key; <see cref="Key"/> is null for an invalid point or once released.</summary>
    private sealed class Entry
    {
        private Entry(NodeId id, ECDsa? key)
        {
            Id = id;
            Key = key;
            Invalid = key is null;
        }

        public NodeId Id { get; }

        public Lock Gate { get; } = new();

        public ECDsa? Key { get; private set; }

        public bool Invalid { get; }

        public static Entry Import(NodeId id, ReadOnlySpan<byte> publicKey)
        {
            try
            {
                ECDsa key = ECDsa.Create(new ECParameters
                {
                    Curve = ECCurve.NamedCurves.nistP256,
                    Q = new ECPoint { X = publicKey[..32].ToArray(), Y = publicKey[32..].ToArray() },
                });
                return new Entry(id, key);
            }
            catch (CryptographicException)
            {
                return new Entry(id, null);
            }
        }

        public void Release()
        {
            lock (Gate)
            {
                Key?.Dispose();
                Key = null;
            }
        }
    }
}
