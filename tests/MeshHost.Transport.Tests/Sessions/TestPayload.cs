using System.Buffers.Binary;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>
/// Self-describing test messages: <c>channel u8 | method u8 | sequence u32 | length u32 |
/// checksum u32 | body</c>, the body a pseudo-random function of the header, so a receiver can tell
/// which message it got and whether any byte changed, without the sender's copy.
/// </summary>
internal static class TestPayload
{
    public const int HeaderSize = 14;

    public static byte[] Create(byte channel, DeliveryMethod method, uint sequence, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, HeaderSize);
        byte[] data = new byte[length];
        data[0] = channel;
        data[1] = (byte)method;
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(6), (uint)length);
        FillBody(data.AsSpan(HeaderSize), channel, method, sequence);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(10), Checksum(data.AsSpan(HeaderSize)));
        return data;
    }

    /// <summary>Parses and checks a message; false (with the reason) when it is not one <see cref="Create"/> made.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out byte channel, out DeliveryMethod method, out uint sequence, out string? error)
    {
        channel = 0;
        method = default;
        sequence = 0;
        if (data.Length < HeaderSize)
        {
            error = $"too short ({data.Length} bytes)";
            return false;
        }

        channel = data[0];
        method = (DeliveryMethod)data[1];
        sequence = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(2));
        uint length = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(6));
        if (length != data.Length)
        {
            error = $"length {data.Length}, header says {length}";
            return false;
        }

        if (Checksum(data.Slice(HeaderSize)) != BinaryPrimitives.ReadUInt32BigEndian(data.Slice(10)))
        {
            error = "checksum mismatch";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>FNV-1a over the body.</summary>
    private static uint Checksum(ReadOnlySpan<byte> body)
    {
        uint hash = 2166136261;
        foreach (byte b in body)
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }

    private static void FillBody(Span<byte> body, byte channel, DeliveryMethod method, uint sequence)
    {
        // xorshift64 seeded by the header: cheap, and different for every message.
        ulong state = (((ulong)sequence << 16) | ((ulong)channel << 8) | (byte)method) * 0x9E3779B97F4A7C15UL | 1;
        for (int i = 0; i < body.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            body[i] = (byte)state;
        }
    }
}
