using System.Buffers.Binary;

namespace MeshHost.Transport.Security;

/// <summary>Parses the datagrams a responder receives before it keeps any state.</summary>
internal static class HandshakeParser
{
    /// <summary>
    /// Parses an Initial. False when the datagram is shorter than 1200 bytes, is not type 0x01, or
    /// (for version 1) the token runs past its end. For another version only the version and the
    /// initiator CID are read, since those are at fixed offsets in every version; the responder
    /// then fails with <see cref="HandshakeFailure.UnsupportedVersion"/>.
    /// </summary>
    public static bool TryParseInitial(ReadOnlySpan<byte> datagram, out InitialMessage message)
    {
        message = default;
        if (datagram.Length < HandshakeLayout.MinInitialSize || datagram[0] != HandshakeLayout.InitialType)
        {
            return false;
        }

        byte version = datagram[HandshakeLayout.InitialVersionOffset];
        var cid = ConnectionId.Read(datagram[HandshakeLayout.InitialCidOffset..]);
        if (version != HandshakeLayout.Version)
        {
            message = new InitialMessage(version, cid, default, default);
            return true;
        }

        int tokenLength = BinaryPrimitives.ReadUInt16BigEndian(datagram[HandshakeLayout.InitialTokenLengthOffset..]);
        if (HandshakeLayout.InitialTokenOffset + tokenLength > datagram.Length)
        {
            return false;
        }

        message = new InitialMessage(
            version,
            cid,
            datagram.Slice(HandshakeLayout.InitialKeyOffset, HandshakeLayout.EphemeralKeySize),
            datagram.Slice(HandshakeLayout.InitialTokenOffset, tokenLength));
        return true;
    }
}
