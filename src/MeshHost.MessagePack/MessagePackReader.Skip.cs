using System.Buffers.Binary;

namespace MeshHost.MessagePack;

public ref partial struct MessagePackReader
{
    /// <summary>
    /// Skips one whole value, with everything nested in it. Nesting counts against the depth
    /// limit, so hostile input cannot recurse without bound.
    /// </summary>
    public void Skip()
    {
        int start = _position;
        byte code = NextCode;
        switch (MessagePackCode.ToMessagePackType(code))
        {
            case MessagePackType.Integer:
            case MessagePackType.Nil:
            case MessagePackType.Boolean:
            case MessagePackType.Float:
                _position++;
                Take(FixedPayloadLength(code));
                break;
            case MessagePackType.String:
                ReadStringSpan();
                break;
            case MessagePackType.Binary:
                ReadBinarySpan();
                break;
            case MessagePackType.Extension:
                Take(ReadExtensionHeader().Length);
                break;
            case MessagePackType.Array:
            {
                int count = ReadArrayHeader();
                EnterNested();
                for (int i = 0; i < count; i++)
                {
                    Skip();
                }

                LeaveNested();
                break;
            }

            case MessagePackType.Map:
            {
                int count = ReadMapHeader();
                EnterNested();
                for (int i = 0; i < count; i++)
                {
                    Skip();
                    Skip();
                }

                LeaveNested();
                break;
            }

            default:
                ThrowWrongType(start, "a value");
                break;
        }
    }

    /// <summary>
    /// Reads a timestamp extension (type -1, in its 32-, 64- or 96-bit form) as UTC. DateTime
    /// keeps 100 ns ticks, so finer nanoseconds are truncated; use <see cref="ReadTimestamp"/> to keep them.
    /// </summary>
    public DateTime ReadDateTime()
    {
        int start = _position;
        ReadTimestamp(out long seconds, out uint nanoseconds);
        const long MinSeconds = -62_135_596_800; // 0001-01-01T00:00:00Z
        const long MaxSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z
        if (seconds < MinSeconds || seconds > MaxSeconds)
        {
            throw new MessagePackSerializationException($"The timestamp ({seconds} s since 1970) is outside the range of DateTime", start);
        }

        long ticks = DateTime.UnixEpoch.Ticks + (seconds * TimeSpan.TicksPerSecond) + (nanoseconds / 100);
        return new DateTime(ticks, DateTimeKind.Utc);
    }

    /// <summary>Reads a timestamp extension as seconds since the Unix epoch and nanoseconds (0 to 999,999,999).</summary>
    public void ReadTimestamp(out long seconds, out uint nanoseconds)
    {
        int start = _position;
        ExtensionHeader header = ReadExtensionHeader();
        if (header.TypeCode != MessagePackCode.TimestampExtensionType)
        {
            throw new MessagePackSerializationException($"Expected a timestamp (extension type -1) but found extension type {header.TypeCode}", start);
        }

        ReadOnlySpan<byte> payload = Take(header.Length);
        switch (header.Length)
        {
            case 4:
                seconds = BinaryPrimitives.ReadUInt32BigEndian(payload);
                nanoseconds = 0;
                break;
            case 8:
                ulong data64 = BinaryPrimitives.ReadUInt64BigEndian(payload);
                nanoseconds = (uint)(data64 >> 34);
                seconds = (long)(data64 & 0x3_ffff_ffffUL);
                break;
            case 12:
                nanoseconds = BinaryPrimitives.ReadUInt32BigEndian(payload);
                seconds = BinaryPrimitives.ReadInt64BigEndian(payload.Slice(4));
                break;
            default:
                throw new MessagePackSerializationException($"A timestamp is 4, 8 or 12 bytes, not {header.Length}", start);
        }

        if (nanoseconds > 999_999_999)
        {
            throw new MessagePackSerializationException($"The timestamp's nanoseconds ({nanoseconds}) exceed 999,999,999", start);
        }
    }

    private static int FixedPayloadLength(byte code) => code switch
    {
        MessagePackCode.Float32 or MessagePackCode.UInt32 or MessagePackCode.Int32 => 4,
        MessagePackCode.Float64 or MessagePackCode.UInt64 or MessagePackCode.Int64 => 8,
        MessagePackCode.UInt8 or MessagePackCode.Int8 => 1,
        MessagePackCode.UInt16 or MessagePackCode.Int16 => 2,
        _ => 0,
    };
}
