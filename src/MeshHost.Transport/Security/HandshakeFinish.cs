namespace MeshHost.Transport.Security;

/// <summary>What the responder learns from a valid Finish: who the initiator is.</summary>
internal sealed class HandshakeFinish
{
    public HandshakeFinish(NodeId peerId, byte[] peerPublicKey)
    {
        PeerId = peerId;
        PeerPublicKey = peerPublicKey;
    }

    /// <summary>The initiator's proven identity.</summary>
    public NodeId PeerId { get; }

    /// <summary>The initiator's 64-byte identity public key.</summary>
    public byte[] PeerPublicKey { get; }
}
