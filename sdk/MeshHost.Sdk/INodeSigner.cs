namespace MeshHost.Sdk;

/// <summary>
/// Signs with this node's identity key and verifies other nodes' signatures, so a plugin can sign
/// data that travels beyond one session (stored, forwarded, synced) and anyone can check its author
/// later. The key is the one the node's <see cref="PeerId"/> is derived from:
/// <c>PeerId == PeerId.FromPublicKey(PublicKey)</c>.
/// </summary>
/// <remarks>
/// ECDSA over P-256 with SHA-256; signatures are 64 bytes (<c>r || s</c>, IEEE P1363), public keys
/// 64 bytes (<c>X || Y</c>). Thread-safe. Sign different data for different purposes with a prefix
/// of your own (for example the plugin id), so a signature made for one purpose cannot be replayed
/// as another.
/// </remarks>
public interface INodeSigner
{
    /// <summary>The size of a public key in bytes (<c>X || Y</c>).</summary>
    const int PublicKeySize = 64;

    /// <summary>The size of a signature in bytes (<c>r || s</c>).</summary>
    const int SignatureSize = 64;

    /// <summary>This node's id: the SHA-256 of <see cref="PublicKey"/>.</summary>
    PeerId Id { get; }

    /// <summary>This node's public key, <see cref="PublicKeySize"/> bytes.</summary>
    ReadOnlyMemory<byte> PublicKey { get; }

    /// <summary>Signs <paramref name="data"/> with this node's private key.</summary>
    /// <param name="data">What to sign, any length.</param>
    /// <param name="signature">Receives the <see cref="SignatureSize"/>-byte signature.</param>
    /// <exception cref="ArgumentException"><paramref name="signature"/> is shorter than <see cref="SignatureSize"/>.</exception>
    void Sign(ReadOnlySpan<byte> data, Span<byte> signature);

    /// <summary>
    /// Whether <paramref name="signature"/> is a valid signature of <paramref name="data"/> by the
    /// holder of <paramref name="publicKey"/>. False, never an exception, for a key that is not a
    /// P-256 point or inputs of the wrong size. Recently used keys are cached, so verifying many
    /// messages of few authors is cheap. Check the author's id with <see cref="PeerId.FromPublicKey"/>.
    /// </summary>
    bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);
}
