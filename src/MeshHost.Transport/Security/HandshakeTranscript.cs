namespace MeshHost.Transport.Security;

/// <summary>
/// <c>cidI || cidR || eI || eR</c>: what both identities sign and what the key schedule's salt
/// hashes, so that signatures and keys are bound to both ephemeral keys and both connection ids.
/// </summary>
internal sealed class HandshakeTranscript
{
    public const int Size = 2 * ConnectionId.Size + 2 * HandshakeLayout.EphemeralKeySize;

    private const int LabelSize = 20;

    private readonly byte[] _bytes = new byte[Size];

    public HandshakeTranscript(ConnectionId initiatorCid, ConnectionId responderCid, ReadOnlySpan<byte> initiatorKey, ReadOnlySpan<byte> responderKey)
    {
        initiatorCid.WriteTo(_bytes);
        responderCid.WriteTo(_bytes.AsSpan(ConnectionId.Size));
        initiatorKey.CopyTo(_bytes.AsSpan(2 * ConnectionId.Size, HandshakeLayout.EphemeralKeySize));
        responderKey.CopyTo(_bytes.AsSpan(2 * ConnectionId.Size + HandshakeLayout.EphemeralKeySize, HandshakeLayout.EphemeralKeySize));
    }

    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Signs <c>"meshhost/1 initiator"|"meshhost/1 responder" || transcript</c> as <paramref name="signer"/>.</summary>
    public void Sign(NodeIdentity identity, HandshakeRole signer, Span<byte> signature)
    {
        Span<byte> message = stackalloc byte[LabelSize + Size];
        WriteSignedMessage(signer, message);
        identity.Sign(message, signature);
    }

    public bool Verify(ReadOnlySpan<byte> publicKey, HandshakeRole signer, ReadOnlySpan<byte> signature)
    {
        Span<byte> message = stackalloc byte[LabelSize + Size];
        WriteSignedMessage(signer, message);
        return NodeIdentity.Verify(publicKey, message, signature);
    }

    private void WriteSignedMessage(HandshakeRole signer, Span<byte> message)
    {
        ReadOnlySpan<byte> label = signer == HandshakeRole.Initiator ? "meshhost/1 initiator"u8 : "meshhost/1 responder"u8;
        label.CopyTo(message);
        _bytes.CopyTo(message[LabelSize..]);
    }
}
