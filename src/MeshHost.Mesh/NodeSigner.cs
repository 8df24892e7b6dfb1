using MeshHost.Mesh.PubSub;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh;

/// <summary>
/// The SDK's <see cref="INodeSigner"/> over the node's <see cref="NodeIdentity"/>: signs with its key
/// and verifies through a cache of imported public keys (importing costs more than verifying).
/// </summary>
internal sealed class NodeSigner : INodeSigner, IDisposable
{
    /// <summary>How many authors' keys verification keeps imported.</summary>
    internal const int KeyCacheCapacity = 256;

    private readonly NodeIdentity _identity;
    private readonly SignatureVerifier _verifier = new(KeyCacheCapacity);

    public NodeSigner(NodeIdentity identity)
    {
        _identity = identity;
        Id = identity.Id.ToPeerId();
    }

    public PeerId Id { get; }

    public ReadOnlyMemory<byte> PublicKey => _identity.PublicKey;

    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature) => _identity.Sign(data, signature);

    public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        publicKey.Length == NodeIdentity.PublicKeySize
        && _verifier.Verify(NodeId.FromPublicKey(publicKey), publicKey, data, signature);

    public void Dispose() => _verifier.Dispose();
}
