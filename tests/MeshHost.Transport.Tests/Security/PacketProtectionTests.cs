using System.Buffers.Binary;
using System.Security.Cryptography;
using MeshHost.Transport.Security;

namespace MeshHost.Transport.Tests.Security;

public class PacketProtectionTests
{
    private static readonly byte[] Key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
    private static readonly byte[] Iv = Convert.FromHexString("a0a1a2a3a4a5a6a7a8a9aaab");
    private static readonly byte[] Header = [0x04, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 9];

    [Fact]
    public void Sealed_payload_opens_in_place()
    {
        using var sender = new PacketProtection(Key, Iv);
        using var receiver = new PacketProtection(Key, Iv);
        byte[] plain = RandomPayload(1200);
        byte[] payload = (byte[])plain.Clone();
        byte[] tag = new byte[PacketProtection.TagSize];

        sender.Seal(9, Header, payload, tag);
        Assert.NotEqual(plain, payload);
        Assert.True(receiver.TryOpen(9, Header, payload, tag));
        Assert.Equal(plain, payload);
    }

    [Fact]
    public void Nonce_is_iv_xor_the_packet_number()
    {
        const ulong PacketNumber = 0x0102030405060708;
        using var protection = new PacketProtection(Key, Iv);
        byte[] payload = RandomPayload(100);
        byte[] expected = new byte[payload.Length];
        byte[] expectedTag = new byte[16];
        byte[] nonce = (byte[])Iv.Clone();
        BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(4), BinaryPrimitives.ReadUInt64BigEndian(Iv.AsSpan(4)) ^ PacketNumber);
        using (var reference = new AesGcm(Key, 16))
        {
            reference.Encrypt(nonce, payload, expected, expectedTag, Header);
        }

        byte[] tag = new byte[16];
        protection.Seal(PacketNumber, Header, payload, tag);
        Assert.Equal(expected, payload);
        Assert.Equal(expectedTag, tag);
    }

    [Fact]
    public void Any_tampering_fails_to_open()
    {
        using var protection = new PacketProtection(Key, Iv);
        byte[] sealedPayload = RandomPayload(64);
        byte[] tag = new byte[PacketProtection.TagSize];
        protection.Seal(5, Header, sealedPayload, tag);

        for (int i = 0; i < sealedPayload.Length; i++)
        {
            byte[] payload = (byte[])sealedPayload.Clone();
            payload[i] ^= 0x01;
            Assert.False(protection.TryOpen(5, Header, payload, tag));
        }

        for (int i = 0; i < tag.Length; i++)
        {
            byte[] badTag = (byte[])tag.Clone();
            badTag[i] ^= 0x80;
            Assert.False(protection.TryOpen(5, Header, (byte[])sealedPayload.Clone(), badTag));
        }

        for (int i = 0; i < Header.Length; i++)
        {
            byte[] header = (byte[])Header.Clone();
            header[i] ^= 0x01;
            Assert.False(protection.TryOpen(5, header, (byte[])sealedPayload.Clone(), tag));
        }

        Assert.True(protection.TryOpen(5, Header, sealedPayload, tag));
    }

    [Fact]
    public void Packet_replayed_under_another_number_or_key_fails()
    {
        using var protection = new PacketProtection(Key, Iv);
        byte[] otherKey = (byte[])Key.Clone();
        otherKey[0] ^= 1;
        using var other = new PacketProtection(otherKey, Iv);
        byte[] sealedPayload = RandomPayload(200);
        byte[] tag = new byte[PacketProtection.TagSize];
        protection.Seal(41, Header, sealedPayload, tag);

        Assert.False(protection.TryOpen(42, Header, (byte[])sealedPayload.Clone(), tag));
        Assert.False(protection.TryOpen(41 | (1UL << 40), Header, (byte[])sealedPayload.Clone(), tag));
        Assert.False(other.TryOpen(41, Header, (byte[])sealedPayload.Clone(), tag));
        Assert.True(protection.TryOpen(41, Header, sealedPayload, tag));
    }

    [Fact]
    public void Constructor_checks_sizes()
    {
        Assert.Throws<ArgumentException>(() => new PacketProtection(new byte[32], Iv));
        Assert.Throws<ArgumentException>(() => new PacketProtection(Key, new byte[8]));
    }

    [Fact]
    public void Seal_and_open_do_not_allocate()
    {
        using var protection = new PacketProtection(Key, Iv);
        byte[] payload = RandomPayload(1200);
        byte[] tag = new byte[PacketProtection.TagSize];
        for (ulong pn = 0; pn < 100; pn++)
        {
            protection.Seal(pn, Header, payload, tag);
            Assert.True(protection.TryOpen(pn, Header, payload, tag));
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (ulong pn = 100; pn < 1100; pn++)
        {
            protection.Seal(pn, Header, payload, tag);
            protection.TryOpen(pn, Header, payload, tag);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static byte[] RandomPayload(int length)
    {
        byte[] bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }
}
