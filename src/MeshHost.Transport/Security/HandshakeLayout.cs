namespace MeshHost.Transport.Security;

/// <summary>Type bytes, sizes and offsets of the handshake datagrams (docs/transport.md, Handshake).</summary>
internal static class HandshakeLayout
{
    public const byte InitialType = PacketTypes.Initial;
    public const byte RetryType = PacketTypes.Retry;
    public const byte HandshakeType = PacketTypes.Handshake;

    /// <summary>The only protocol version this node speaks.</summary>
    public const byte Version = 1;

    public const int EphemeralKeySize = 64;
    public const int RandomSize = 16;

    /// <summary>An Initial is padded to at least this size so that the reply never amplifies more than 3x.</summary>
    public const int MinInitialSize = 1200;

    // Initial: type | version | initiator CID | ephemeral key | random | token length u16 | token | padding.
    public const int InitialVersionOffset = 1;
    public const int InitialCidOffset = 2;
    public const int InitialKeyOffset = InitialCidOffset + ConnectionId.Size;
    public const int InitialRandomOffset = InitialKeyOffset + EphemeralKeySize;
    public const int InitialTokenLengthOffset = InitialRandomOffset + RandomSize;
    public const int InitialTokenOffset = InitialTokenLengthOffset + 2;

    // Retry: type | initiator CID | token length u16 | token.
    public const int RetryTokenLengthOffset = 1 + ConnectionId.Size;
    public const int RetryTokenOffset = RetryTokenLengthOffset + 2;

    // Response and Finish: type | destination CID | source CID | ephemeral key (zero in the Finish) | sealed payload | tag.
    public const int DestinationCidOffset = 1;
    public const int SourceCidOffset = DestinationCidOffset + ConnectionId.Size;
    public const int HandshakeKeyOffset = SourceCidOffset + ConnectionId.Size;

    /// <summary>The 81 bytes before the sealed payload, which are its associated data.</summary>
    public const int HandshakeHeaderSize = HandshakeKeyOffset + EphemeralKeySize;

    /// <summary>Identity public key and transcript signature, the start of both sealed payloads.</summary>
    public const int IdentityProofSize = NodeIdentity.PublicKeySize + NodeIdentity.SignatureSize;

    /// <summary>
    /// A Finish has a fixed size, so that Data packets coalesced after it in one datagram start at
    /// this offset.
    /// </summary>
    public const int FinishSize = HandshakeHeaderSize + IdentityProofSize + PacketProtection.TagSize;

    public const int MinResponseSize = HandshakeHeaderSize + IdentityProofSize + ObservedAddress.MinSize + PacketProtection.TagSize;
    public const int MaxResponseSize = HandshakeHeaderSize + IdentityProofSize + ObservedAddress.MaxSize + PacketProtection.TagSize;

    /// <summary>The destination CID of a type-0x03 datagram, which says whose handshake state it belongs to.</summary>
    public static bool TryReadDestination(ReadOnlySpan<byte> datagram, out ConnectionId destination)
    {
        if (datagram.Length < HandshakeHeaderSize || datagram[0] != HandshakeType)
        {
            destination = default;
            return false;
        }

        destination = ConnectionId.Read(datagram[DestinationCidOffset..]);
        return true;
    }
}
