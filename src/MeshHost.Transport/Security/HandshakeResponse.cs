using System.Net;

namespace MeshHost.Transport.Security;

/// <summary>What the initiator learns from a valid Response.</summary>
internal sealed class HandshakeResponse
{
    public HandshakeResponse(NodeId peerId, byte[] peerPublicKey, ConnectionId remoteCid, IPEndPoint? observedAddress, SessionKeys keys)
    {
        PeerId = peerId;
        PeerPublicKey = peerPublicKey;
        RemoteCid = remoteCid;
        ObservedAddress = observedAddress;
        Keys = keys;
    }

    /// <summary>The responder's proven identity.</summary>
    public NodeId PeerId { get; }

    /// <summary>The responder's 64-byte identity public key.</summary>
    public byte[] PeerPublicKey { get; }

    /// <summary>The responder's CID, which goes into every packet sent to it.</summary>
    public ConnectionId RemoteCid { get; }

    /// <summary>The endpoint the responder sees this node at (its reflexive address), or null if it did not say.</summary>
    public IPEndPoint? ObservedAddress { get; }

    /// <summary>The session's keys (Send = initiator to responder), owned by the caller from now on.</summary>
    public SessionKeys Keys { get; }
}
