using System.Security.Cryptography;
using MeshHost.Transport.Security;

namespace MeshHost.Transport.Tests.Security;

/// <summary>
/// An active attacker on the path: it runs its own ECDH with each side and can open and re-seal
/// whatever it has keys for, built from the same primitives as the real handshake.
/// </summary>
internal static class ManInTheMiddle
{
    /// <summary>The Initial with its ephemeral key replaced by <paramref name="key"/>.</summary>
    public static byte[] ReplaceInitialKey(byte[] initial, EphemeralKey key)
    {
        byte[] copy = (byte[])initial.Clone();
        key.PublicKey.CopyTo(copy, HandshakeLayout.InitialKeyOffset);
        return copy;
    }

    public static byte[] InitialKey(byte[] initial) =>
        initial.AsSpan(HandshakeLayout.InitialKeyOffset, HandshakeLayout.EphemeralKeySize).ToArray();

    /// <summary>Opens a Response or Finish with the handshake keys of (<paramref name="mine"/>, <paramref name="peerKey"/>).</summary>
    public static byte[] Open(byte[] datagram, int length, HandshakeRole sender, EphemeralKey mine, byte[] peerKey, HandshakeTranscript transcript)
    {
        using HandshakeSecrets secrets = Secrets(mine, peerKey, transcript);
        using PacketProtection protection = secrets.CreateHandshakeProtection(sender);
        byte[] payload = datagram.AsSpan(HandshakeLayout.HandshakeHeaderSize, length - HandshakeLayout.HandshakeHeaderSize - PacketProtection.TagSize).ToArray();
        Assert.True(protection.TryOpen(0, datagram.AsSpan(0, HandshakeLayout.HandshakeHeaderSize), payload, datagram.AsSpan(length - PacketProtection.TagSize, PacketProtection.TagSize)));
        return payload;
    }

    /// <summary>Builds a Response or Finish around <paramref name="payload"/>, sealed with the handshake keys of (<paramref name="mine"/>, <paramref name="peerKey"/>).</summary>
    public static byte[] Seal(
        HandshakeRole sender,
        ConnectionId destination,
        ConnectionId source,
        ReadOnlySpan<byte> keyField,
        byte[] payload,
        EphemeralKey mine,
        byte[] peerKey,
        HandshakeTranscript transcript)
    {
        byte[] datagram = new byte[HandshakeLayout.HandshakeHeaderSize + payload.Length + PacketProtection.TagSize];
        datagram[0] = HandshakeLayout.HandshakeType;
        destination.WriteTo(datagram.AsSpan(HandshakeLayout.DestinationCidOffset));
        source.WriteTo(datagram.AsSpan(HandshakeLayout.SourceCidOffset));
        keyField.CopyTo(datagram.AsSpan(HandshakeLayout.HandshakeKeyOffset));
        payload.CopyTo(datagram, HandshakeLayout.HandshakeHeaderSize);
        using HandshakeSecrets secrets = Secrets(mine, peerKey, transcript);
        using PacketProtection protection = secrets.CreateHandshakeProtection(sender);
        protection.Seal(0, datagram.AsSpan(0, HandshakeLayout.HandshakeHeaderSize), datagram.AsSpan(HandshakeLayout.HandshakeHeaderSize, payload.Length), datagram.AsSpan(^PacketProtection.TagSize));
        return datagram;
    }

    private static HandshakeSecrets Secrets(EphemeralKey mine, byte[] peerKey, HandshakeTranscript transcript)
    {
        byte[] shared = mine.DeriveShared(peerKey);
        try
        {
            return new HandshakeSecrets(shared, transcript);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }
}
