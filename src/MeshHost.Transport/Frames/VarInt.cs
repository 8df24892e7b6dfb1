using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace MeshHost.Transport.Frames;

/// <summary>
/// QUIC's variable-length integer (RFC 9000 §16): the two high bits of the first byte give the
/// length (1, 2, 4 or 8 bytes), the remaining bits hold a value of up to 62 bits.
/// </summary>
internal static class VarInt
{
    public const ulong MaxValue = (1UL << 62) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOf(ulong value) => value switch
    {
        <= 63 => 1,
        <= 16_383 => 2,
        <= 1_073_741_823 => 4,
        <= MaxValue => 8,
        _ => ThrowTooLarge(value),
    };

    /// <summary>Writes <paramref name="value"/> and returns the bytes written; the destination must have room (see <see cref="SizeOf"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Write(Span<byte> destination, ulong value)
    {
        if (value <= 63)
        {
            destination[0] = (byte)value;
            return 1;
        }

        if (value <= 16_383)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(value | 0x4000));
            return 2;
        }

        if (value <= 1_073_741_823)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)value | 0x8000_0000u);
            return 4;
        }

        if (value > MaxValue)
        {
            ThrowTooLarge(value);
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, value | 0xC000_0000_0000_0000UL);
        return 8;
    }

    /// <summary>Reads a varint; false when the source is too short for the length its first byte announces.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> source, out ulong value, out int bytesRead)
    {
        if (source.IsEmpty)
        {
            value = 0;
            bytesRead = 0;
            return false;
        }

        int length = 1 << (source[0] >> 6);
        if (source.Length < length)
        {
            value = 0;
            bytesRead = 0;
            return false;
        }

        bytesRead = length;
        switch (length)
        {
            case 1:
                value = source[0];
                return true;
            case 2:
                value = BinaryPrimitives.ReadUInt16BigEndian(source) & 0x3fffUL;
                return true;
            case 4:
                value = BinaryPrimitives.ReadUInt32BigEndian(source) & 0x3fff_ffffUL;
                return true;
            default:
                value = BinaryPrimitives.ReadUInt64BigEndian(source) & MaxValue;
                return true;
        }
    }

    private static int ThrowTooLarge(ulong value) =>
        throw new ArgumentOutOfRangeException(nameof(value), value, "A varint holds at most 62 bits.");
}
