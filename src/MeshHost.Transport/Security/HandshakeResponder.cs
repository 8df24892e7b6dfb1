using System.Net;
using System.Security.Cryptography;

namespace MeshHost.Transport.Security;

/// <summary>
/// The responder's side of the SIGMA-I handshake (docs/transport.md, Handshake): answers a valid
/// Initial with the Response that proves its identity, then checks the initiator's Finish.
/// </summary>
/// <remarks>
/// Not thread-safe; the session calls it under its lock. <see cref="Keys"/> belong to this object
/// until a Finish is accepted and to the caller after that, so disposing an abandoned handshake
/// releases them and disposing a completed one does not.
/// </remarks>
internal sealed class HandshakeResponder : IDisposable
{
    private readonly HandshakeTranscript _transcript;
    private readonly PacketProtection _initiatorSeal;
    private readonly byte[] _response;
    private byte[]? _acceptedFinish;
    private HandshakeFinish? _finish;
    private bool _disposed;

    private HandshakeResponder(ConnectionId localCid, ConnectionId remoteCid, HandshakeTranscript transcript, PacketProtection initiatorSeal, byte[] response, SessionKeys keys)
    {
        LocalCid = localCid;
        RemoteCid = remoteCid;
        _transcript = transcript;
        _initiatorSeal = initiatorSeal;
        _response = response;
        Keys = keys;
    }

    public ConnectionId LocalCid { get; }

    public ConnectionId RemoteCid { get; }

    /// <summary>The session's keys (Send = responder to initiator).</summary>
    public SessionKeys Keys { get; }

    /// <summary>
    /// Answers <paramref name="initial"/>: generates this side's ephemeral key, derives the keys and
    /// signs the transcript. The caller has already checked the Retry token if it demanded one.
    /// </summary>
    /// <param name="identity">This node's identity, which signs the transcript.</param>
    /// <param name="initial">The parsed Initial (<see cref="HandshakeParser.TryParseInitial"/>).</param>
    /// <param name="localCid">The CID this node receives the session's packets on.</param>
    /// <param name="observedInitiatorAddress">Where the Initial came from, reported back to the initiator; null over a relay.</param>
    /// <exception cref="HandshakeException">UnsupportedVersion, or Malformed when the ephemeral key is not a P-256 point.</exception>
    public static HandshakeResponder Create(NodeIdentity identity, in InitialMessage initial, ConnectionId localCid, IPEndPoint? observedInitiatorAddress)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (initial.Version != HandshakeLayout.Version)
        {
            throw new HandshakeException(HandshakeFailure.UnsupportedVersion, $"The Initial asks for version {initial.Version}; this node speaks {HandshakeLayout.Version}.");
        }

        using EphemeralKey ephemeral = EphemeralKey.Generate();
        byte[] shared = ephemeral.DeriveShared(initial.EphemeralKey);
        var transcript = new HandshakeTranscript(initial.InitiatorCid, localCid, initial.EphemeralKey, ephemeral.PublicKey);
        HandshakeSecrets secrets;
        try
        {
            secrets = new HandshakeSecrets(shared, transcript);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }

        using (secrets)
        {
            byte[] response = BuildResponse(identity, secrets, transcript, initial.InitiatorCid, localCid, ephemeral.PublicKey, observedInitiatorAddress);
            PacketProtection initiatorSeal = secrets.CreateHandshakeProtection(HandshakeRole.Initiator);
            try
            {
                SessionKeys keys = secrets.CreateSessionKeys(HandshakeRole.Responder);
                return new HandshakeResponder(localCid, initial.InitiatorCid, transcript, initiatorSeal, response, keys);
            }
            catch
            {
                initiatorSeal.Dispose();
                throw;
            }
        }
    }

    /// <summary>Writes the whole Response datagram (the same bytes on every call) and returns its length.</summary>
    /// <exception cref="ArgumentException">The destination is too small (<see cref="HandshakeLayout.MaxResponseSize"/> always fits).</exception>
    public int WriteResponse(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _response.CopyTo(destination);
        return _response.Length;
    }

    /// <summary>
    /// Checks the initiator's Finish: the first <see cref="HandshakeLayout.FinishSize"/> bytes of
    /// <paramref name="datagram"/> (Data packets may follow in the same datagram). A repeat of the
    /// accepted Finish returns the same result.
    /// </summary>
    /// <exception cref="HandshakeException">The datagram is rejected; the handshake still waits for a valid Finish.</exception>
    public HandshakeFinish ProcessFinish(ReadOnlySpan<byte> datagram)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (datagram.Length < HandshakeLayout.FinishSize || datagram[0] != HandshakeLayout.HandshakeType)
        {
            throw new HandshakeException(HandshakeFailure.Malformed, $"A {datagram.Length}-byte datagram is not a Finish.");
        }

        ReadOnlySpan<byte> message = datagram[..HandshakeLayout.FinishSize];
        var destination = ConnectionId.Read(message[HandshakeLayout.DestinationCidOffset..]);
        var source = ConnectionId.Read(message[HandshakeLayout.SourceCidOffset..]);
        if (destination != LocalCid || source != RemoteCid)
        {
            throw new HandshakeException(HandshakeFailure.UnexpectedMessage, $"The Finish is for CIDs {destination}/{source}, not {LocalCid}/{RemoteCid}.");
        }

        // A Response has the responder's key here: this also rejects one reflected back at its sender.
        if (message.Slice(HandshakeLayout.HandshakeKeyOffset, HandshakeLayout.EphemeralKeySize).ContainsAnyExcept((byte)0))
        {
            throw new HandshakeException(HandshakeFailure.Malformed, "A Finish must carry a zero key field.");
        }

        if (_finish is not null && message.SequenceEqual(_acceptedFinish))
        {
            return _finish;
        }

        Span<byte> payload = stackalloc byte[HandshakeLayout.IdentityProofSize];
        message.Slice(HandshakeLayout.HandshakeHeaderSize, HandshakeLayout.IdentityProofSize).CopyTo(payload);
        if (!_initiatorSeal.TryOpen(0, message[..HandshakeLayout.HandshakeHeaderSize], payload, message[^PacketProtection.TagSize..]))
        {
            throw new HandshakeException(HandshakeFailure.DecryptionFailed, "The Finish does not open with this handshake's keys.");
        }

        ReadOnlySpan<byte> peerPublicKey = payload[..NodeIdentity.PublicKeySize];
        if (!_transcript.Verify(peerPublicKey, HandshakeRole.Initiator, payload[NodeIdentity.PublicKeySize..]))
        {
            throw new HandshakeException(HandshakeFailure.BadSignature, "The initiator's signature does not cover this handshake.");
        }

        _acceptedFinish = message.ToArray();
        _finish = new HandshakeFinish(NodeId.FromPublicKey(peerPublicKey), peerPublicKey.ToArray());
        return _finish;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _initiatorSeal.Dispose();
        if (_finish is null)
        {
            Keys.Dispose();
        }
    }

    // Built once: an ECDSA signature is randomized, and a repeated Response must be the same bytes.
    private static byte[] BuildResponse(
        NodeIdentity identity,
        HandshakeSecrets secrets,
        HandshakeTranscript transcript,
        ConnectionId initiatorCid,
        ConnectionId responderCid,
        ReadOnlySpan<byte> ephemeralKey,
        IPEndPoint? observed)
    {
        int payloadLength = HandshakeLayout.IdentityProofSize + ObservedAddress.GetSize(observed);
        byte[] response = new byte[HandshakeLayout.HandshakeHeaderSize + payloadLength + PacketProtection.TagSize];
        Span<byte> span = response;
        span[0] = HandshakeLayout.HandshakeType;
        initiatorCid.WriteTo(span[HandshakeLayout.DestinationCidOffset..]);
        responderCid.WriteTo(span[HandshakeLayout.SourceCidOffset..]);
        ephemeralKey.CopyTo(span[HandshakeLayout.HandshakeKeyOffset..]);

        Span<byte> payload = span.Slice(HandshakeLayout.HandshakeHeaderSize, payloadLength);
        identity.PublicKey.Span.CopyTo(payload);
        transcript.Sign(identity, HandshakeRole.Responder, payload[NodeIdentity.PublicKeySize..]);
        ObservedAddress.Write(observed, payload[HandshakeLayout.IdentityProofSize..]);
        using PacketProtection responderSeal = secrets.CreateHandshakeProtection(HandshakeRole.Responder);
        responderSeal.Seal(0, span[..HandshakeLayout.HandshakeHeaderSize], payload, span[^PacketProtection.TagSize..]);
        return response;
    }
}
