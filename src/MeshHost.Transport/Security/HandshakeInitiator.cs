using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace MeshHost.Transport.Security;

/// <summary>
/// The initiator's side of the SIGMA-I handshake (docs/transport.md, Handshake): sends the Initial,
/// checks the Response, then sends the Finish that proves its own identity.
/// </summary>
/// <remarks>
/// Not thread-safe; the session calls it under its lock. A rejected Response leaves the handshake
/// waiting for another one, so a forged datagram from someone who guessed the CID cannot abort it.
/// </remarks>
internal sealed class HandshakeInitiator : IDisposable
{
    private readonly NodeIdentity _identity;
    private readonly NodeId? _expectedPeer;
    private readonly byte[] _random = RandomNumberGenerator.GetBytes(HandshakeLayout.RandomSize);
    private readonly byte[] _ephemeralPublicKey;
    private EphemeralKey? _ephemeral;
    private byte[]? _finish;
    private bool _disposed;

    /// <param name="identity">This node's identity, which signs the transcript.</param>
    /// <param name="localCid">The CID this node receives the session's packets on.</param>
    /// <param name="expectedPeer">The responder's NodeId if the caller dials a known node; a different identity fails with <see cref="HandshakeFailure.IdentityMismatch"/>.</param>
    public HandshakeInitiator(NodeIdentity identity, ConnectionId localCid, NodeId? expectedPeer)
    {
        ArgumentNullException.ThrowIfNull(identity);
        _identity = identity;
        _expectedPeer = expectedPeer;
        LocalCid = localCid;
        _ephemeral = EphemeralKey.Generate();
        _ephemeralPublicKey = _ephemeral.PublicKey;
    }

    public ConnectionId LocalCid { get; }

    /// <summary>Whether a Response was accepted, so that <see cref="WriteFinish"/> can be called.</summary>
    public bool IsCompleted => _finish is not null;

    /// <summary>
    /// Writes the whole Initial datagram, padded to at least 1200 bytes, and returns its length.
    /// Repeats carry the same ephemeral key; <paramref name="token"/> is empty unless a Retry
    /// supplied one.
    /// </summary>
    /// <exception cref="ArgumentException">The token is longer than 65535 bytes or the destination is too small.</exception>
    public int WriteInitial(Span<byte> destination, ReadOnlySpan<byte> token)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (token.Length > ushort.MaxValue)
        {
            throw new ArgumentException("A token is at most 65535 bytes.", nameof(token));
        }

        int length = Math.Max(HandshakeLayout.MinInitialSize, HandshakeLayout.InitialTokenOffset + token.Length);
        if (destination.Length < length)
        {
            throw new ArgumentException($"An Initial with this token needs {length} bytes.", nameof(destination));
        }

        destination[0] = HandshakeLayout.InitialType;
        destination[HandshakeLayout.InitialVersionOffset] = HandshakeLayout.Version;
        LocalCid.WriteTo(destination[HandshakeLayout.InitialCidOffset..]);
        _ephemeralPublicKey.CopyTo(destination[HandshakeLayout.InitialKeyOffset..]);
        _random.CopyTo(destination[HandshakeLayout.InitialRandomOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[HandshakeLayout.InitialTokenLengthOffset..], (ushort)token.Length);
        token.CopyTo(destination[HandshakeLayout.InitialTokenOffset..]);
        destination[(HandshakeLayout.InitialTokenOffset + token.Length)..length].Clear();
        return length;
    }

    /// <summary>Parses a Retry datagram; false when it is not one.</summary>
    public static bool TryParseRetry(ReadOnlySpan<byte> datagram, out ConnectionId initiatorCid, out ReadOnlySpan<byte> token)
    {
        initiatorCid = default;
        token = default;
        if (datagram.Length < HandshakeLayout.RetryTokenOffset || datagram[0] != HandshakeLayout.RetryType)
        {
            return false;
        }

        int tokenLength = BinaryPrimitives.ReadUInt16BigEndian(datagram[HandshakeLayout.RetryTokenLengthOffset..]);
        if (tokenLength == 0 || datagram.Length != HandshakeLayout.RetryTokenOffset + tokenLength)
        {
            return false;
        }

        initiatorCid = ConnectionId.Read(datagram[1..]);
        token = datagram.Slice(HandshakeLayout.RetryTokenOffset, tokenLength);
        return true;
    }

    /// <summary>
    /// Checks the responder's Response: it must open with this handshake's keys and carry a valid
    /// signature of the transcript by the identity inside (and that identity must be the pinned
    /// one, if any). On success the Finish is ready and the session keys are returned.
    /// </summary>
    /// <exception cref="HandshakeException">The datagram is rejected; the handshake still waits for a valid Response.</exception>
    public HandshakeResponse ProcessResponse(ReadOnlySpan<byte> datagram)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finish is not null)
        {
            throw new HandshakeException(HandshakeFailure.UnexpectedMessage, "The handshake already accepted a Response.");
        }

        if (datagram.Length < HandshakeLayout.MinResponseSize || datagram.Length > HandshakeLayout.MaxResponseSize
            || datagram[0] != HandshakeLayout.HandshakeType)
        {
            throw new HandshakeException(HandshakeFailure.Malformed, $"A {datagram.Length}-byte datagram is not a Response.");
        }

        var destination = ConnectionId.Read(datagram[HandshakeLayout.DestinationCidOffset..]);
        if (destination != LocalCid)
        {
            throw new HandshakeException(HandshakeFailure.UnexpectedMessage, $"The Response is for CID {destination}, not {LocalCid}.");
        }

        var remoteCid = ConnectionId.Read(datagram[HandshakeLayout.SourceCidOffset..]);
        ReadOnlySpan<byte> responderKey = datagram.Slice(HandshakeLayout.HandshakeKeyOffset, HandshakeLayout.EphemeralKeySize);
        var transcript = new HandshakeTranscript(LocalCid, remoteCid, _ephemeralPublicKey, responderKey);

        byte[] shared = _ephemeral!.DeriveShared(responderKey);
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
            int payloadLength = datagram.Length - HandshakeLayout.HandshakeHeaderSize - PacketProtection.TagSize;
            Span<byte> payload = stackalloc byte[HandshakeLayout.IdentityProofSize + ObservedAddress.MaxSize];
            payload = payload[..payloadLength];
            datagram.Slice(HandshakeLayout.HandshakeHeaderSize, payloadLength).CopyTo(payload);
            using (PacketProtection responderSeal = secrets.CreateHandshakeProtection(HandshakeRole.Responder))
            {
                if (!responderSeal.TryOpen(0, datagram[..HandshakeLayout.HandshakeHeaderSize], payload, datagram[^PacketProtection.TagSize..]))
                {
                    throw new HandshakeException(HandshakeFailure.DecryptionFailed, "The Response does not open with this handshake's keys.");
                }
            }

            ReadOnlySpan<byte> peerPublicKey = payload[..NodeIdentity.PublicKeySize];
            ReadOnlySpan<byte> signature = payload.Slice(NodeIdentity.PublicKeySize, NodeIdentity.SignatureSize);
            if (!ObservedAddress.TryRead(payload[HandshakeLayout.IdentityProofSize..], out IPEndPoint? observed))
            {
                throw new HandshakeException(HandshakeFailure.Malformed, "The Response's observed address is malformed.");
            }

            if (!transcript.Verify(peerPublicKey, HandshakeRole.Responder, signature))
            {
                throw new HandshakeException(HandshakeFailure.BadSignature, "The responder's signature does not cover this handshake.");
            }

            var peerId = NodeId.FromPublicKey(peerPublicKey);
            if (_expectedPeer is { } expected && expected != peerId)
            {
                throw new HandshakeException(
                    HandshakeFailure.IdentityMismatch,
                    $"The responder is node {peerId.ToShortString()}, not the expected {expected.ToShortString()}.");
            }

            byte[] finish = BuildFinish(secrets, transcript, remoteCid);
            SessionKeys keys = secrets.CreateSessionKeys(HandshakeRole.Initiator);
            _finish = finish;

            // Forward secrecy: the ephemeral private key is not needed any more.
            _ephemeral.Dispose();
            _ephemeral = null;
            return new HandshakeResponse(peerId, peerPublicKey.ToArray(), remoteCid, observed, keys);
        }
    }

    /// <summary>Writes the whole Finish datagram (the same bytes on every call) and returns its length.</summary>
    /// <exception cref="InvalidOperationException">No Response was accepted yet.</exception>
    public int WriteFinish(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finish is null)
        {
            throw new InvalidOperationException("The Finish exists only after a Response was accepted.");
        }

        _finish.CopyTo(destination);
        return _finish.Length;
    }

    public void Dispose()
    {
        _disposed = true;
        _ephemeral?.Dispose();
        _ephemeral = null;
    }

    // Built once: an ECDSA signature is randomized, and a repeated Finish must be the same bytes.
    private byte[] BuildFinish(HandshakeSecrets secrets, HandshakeTranscript transcript, ConnectionId remoteCid)
    {
        byte[] finish = new byte[HandshakeLayout.FinishSize];
        Span<byte> span = finish;
        span[0] = HandshakeLayout.HandshakeType;
        remoteCid.WriteTo(span[HandshakeLayout.DestinationCidOffset..]);
        LocalCid.WriteTo(span[HandshakeLayout.SourceCidOffset..]);

        // The key field stays zero: the initiator's ephemeral key went out in the Initial.
        Span<byte> payload = span.Slice(HandshakeLayout.HandshakeHeaderSize, HandshakeLayout.IdentityProofSize);
        _identity.PublicKey.Span.CopyTo(payload);
        transcript.Sign(_identity, HandshakeRole.Initiator, payload[NodeIdentity.PublicKeySize..]);
        using PacketProtection initiatorSeal = secrets.CreateHandshakeProtection(HandshakeRole.Initiator);
        initiatorSeal.Seal(0, span[..HandshakeLayout.HandshakeHeaderSize], payload, span[^PacketProtection.TagSize..]);
        return finish;
    }
}
