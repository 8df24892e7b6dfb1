using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MeshHost.Transport.Security;

namespace MeshHost.Transport.Tests.Security;

/// <summary>Recomputes the key schedule straight from docs/transport.md and checks the code against it.</summary>
public class KeyScheduleTests
{
    private static readonly ConnectionId InitiatorCid = new(0x1111111111111111);
    private static readonly ConnectionId ResponderCid = new(0x2222222222222222);
    private static readonly byte[] InitiatorKey = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
    private static readonly byte[] ResponderKey = Enumerable.Range(64, 64).Select(i => (byte)i).ToArray();
    private static readonly byte[] Shared = Enumerable.Range(200, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] Header = [0x04, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0, 0, 0, 7];

    [Theory]
    [InlineData(true, "hs i")]
    [InlineData(false, "hs r")]
    public void Handshake_keys_follow_the_spec(bool initiatorSends, string label)
    {
        using HandshakeSecrets secrets = new(Shared, Transcript());
        using PacketProtection protection = secrets.CreateHandshakeProtection(initiatorSends ? HandshakeRole.Initiator : HandshakeRole.Responder);
        byte[] key = Expand(label, 16);

        byte[] payload = Encoding.ASCII.GetBytes("identity proof");
        byte[] tag = new byte[16];
        protection.Seal(0, Header, payload, tag);
        using var reference = new AesGcm(key, 16);
        reference.Decrypt(new byte[12], payload, tag, payload, Header);
        Assert.Equal("identity proof", Encoding.ASCII.GetString(payload));
    }

    [Theory]
    [InlineData(true, "data i", "data r")]
    [InlineData(false, "data r", "data i")]
    public void Data_keys_follow_the_spec(bool isInitiator, string sendLabel, string receiveLabel)
    {
        using HandshakeSecrets secrets = new(Shared, Transcript());
        using SessionKeys keys = secrets.CreateSessionKeys(isInitiator ? HandshakeRole.Initiator : HandshakeRole.Responder);
        const ulong PacketNumber = 0x1_0000_0007;

        byte[] payload = Encoding.ASCII.GetBytes("frames");
        byte[] tag = new byte[16];
        keys.Send.Seal(PacketNumber, Header, payload, tag);
        ReferenceOpen(sendLabel, PacketNumber, payload, tag);
        Assert.Equal("frames", Encoding.ASCII.GetString(payload));

        ReferenceSeal(receiveLabel, PacketNumber, payload, tag);
        Assert.True(keys.Receive.TryOpen(PacketNumber, Header, payload, tag));
        Assert.Equal("frames", Encoding.ASCII.GetString(payload));
    }

    private static HandshakeTranscript Transcript() => new(InitiatorCid, ResponderCid, InitiatorKey, ResponderKey);

    private static byte[] Expand(string label, int length)
    {
        byte[] saltInput = [.. "meshhost/1"u8, .. BigEndian(InitiatorCid.Value), .. BigEndian(ResponderCid.Value), .. InitiatorKey, .. ResponderKey];
        byte[] prk = HKDF.Extract(HashAlgorithmName.SHA256, Shared, SHA256.HashData(saltInput));
        return HKDF.Expand(HashAlgorithmName.SHA256, prk, length, Encoding.ASCII.GetBytes(label));
    }

    private static void ReferenceOpen(string direction, ulong packetNumber, byte[] payload, byte[] tag)
    {
        using var aead = new AesGcm(Expand(direction + " key", 16), 16);
        aead.Decrypt(Nonce(direction, packetNumber), payload, tag, payload, Header);
    }

    private static void ReferenceSeal(string direction, ulong packetNumber, byte[] payload, byte[] tag)
    {
        using var aead = new AesGcm(Expand(direction + " key", 16), 16);
        aead.Encrypt(Nonce(direction, packetNumber), payload, payload, tag, Header);
    }

    private static byte[] Nonce(string direction, ulong packetNumber)
    {
        byte[] nonce = Expand(direction + " iv", 12);
        for (int i = 0; i < 8; i++)
        {
            nonce[4 + i] ^= (byte)(packetNumber >> (56 - (8 * i)));
        }

        return nonce;
    }

    private static byte[] BigEndian(ulong value)
    {
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }
}
