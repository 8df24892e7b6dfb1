using System.Globalization;

// The built-in formatters are one-line stateless structs; they live together by family rather than one per file.
namespace MeshHost.MessagePack.Formatters;

/// <summary>Formats <see cref="bool"/>.</summary>
public readonly struct BooleanFormatter : IMessagePackFormatter<bool>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, bool value) => writer.Write(value);

    /// <inheritdoc/>
    public bool Deserialize(ref MessagePackReader reader) => reader.ReadBoolean();
}

/// <summary>Formats <see cref="byte"/>.</summary>
public readonly struct ByteFormatter : IMessagePackFormatter<byte>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, byte value) => writer.Write(value);

    /// <inheritdoc/>
    public byte Deserialize(ref MessagePackReader reader) => reader.ReadByte();
}

/// <summary>Formats <see cref="sbyte"/>.</summary>
public readonly struct SByteFormatter : IMessagePackFormatter<sbyte>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, sbyte value) => writer.Write(value);

    /// <inheritdoc/>
    public sbyte Deserialize(ref MessagePackReader reader) => reader.ReadSByte();
}

/// <summary>Formats <see cref="short"/>.</summary>
public readonly struct Int16Formatter : IMessagePackFormatter<short>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, short value) => writer.Write(value);

    /// <inheritdoc/>
    public short Deserialize(ref MessagePackReader reader) => reader.ReadInt16();
}

/// <summary>Formats <see cref="ushort"/>.</summary>
public readonly struct UInt16Formatter : IMessagePackFormatter<ushort>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, ushort value) => writer.Write(value);

    /// <inheritdoc/>
    public ushort Deserialize(ref MessagePackReader reader) => reader.ReadUInt16();
}

/// <summary>Formats <see cref="int"/>.</summary>
public readonly struct Int32Formatter : IMessagePackFormatter<int>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, int value) => writer.Write(value);

    /// <inheritdoc/>
    public int Deserialize(ref MessagePackReader reader) => reader.ReadInt32();
}

/// <summary>Formats <see cref="uint"/>.</summary>
public readonly struct UInt32Formatter : IMessagePackFormatter<uint>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, uint value) => writer.Write(value);

    /// <inheritdoc/>
    public uint Deserialize(ref MessagePackReader reader) => reader.ReadUInt32();
}

/// <summary>Formats <see cref="long"/>.</summary>
public readonly struct Int64Formatter : IMessagePackFormatter<long>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, long value) => writer.Write(value);

    /// <inheritdoc/>
    public long Deserialize(ref MessagePackReader reader) => reader.ReadInt64();
}

/// <summary>Formats <see cref="ulong"/>.</summary>
public readonly struct UInt64Formatter : IMessagePackFormatter<ulong>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, ulong value) => writer.Write(value);

    /// <inheritdoc/>
    public ulong Deserialize(ref MessagePackReader reader) => reader.ReadUInt64();
}

/// <summary>Formats <see cref="float"/> as float32.</summary>
public readonly struct SingleFormatter : IMessagePackFormatter<float>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, float value) => writer.Write(value);

    /// <inheritdoc/>
    public float Deserialize(ref MessagePackReader reader) => reader.ReadSingle();
}

/// <summary>Formats <see cref="double"/> as float64.</summary>
public readonly struct DoubleFormatter : IMessagePackFormatter<double>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, double value) => writer.Write(value);

    /// <inheritdoc/>
    public double Deserialize(ref MessagePackReader reader) => reader.ReadDouble();
}

/// <summary>Formats <see cref="char"/> as its UTF-16 code unit.</summary>
public readonly struct CharFormatter : IMessagePackFormatter<char>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, char value) => writer.Write(value);

    /// <inheritdoc/>
    public char Deserialize(ref MessagePackReader reader) => reader.ReadChar();
}

/// <summary>Formats <see cref="string"/> as UTF-8 (nil for null).</summary>
public readonly struct StringFormatter : IMessagePackFormatter<string?>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, string? value) => writer.WriteString(value);

    /// <inheritdoc/>
    public string? Deserialize(ref MessagePackReader reader) => reader.ReadString();
}

/// <summary>
/// Formats <see cref="decimal"/> as its invariant-culture string ("12.50"), as MessagePack-CSharp
/// does, so that no precision is lost and other languages can read it.
/// </summary>
public readonly struct DecimalFormatter : IMessagePackFormatter<decimal>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, decimal value)
    {
        Span<byte> text = stackalloc byte[64];
        value.TryFormat(text, out int length, default, CultureInfo.InvariantCulture);
        writer.WriteString(text.Slice(0, length));
    }

    /// <inheritdoc/>
    public decimal Deserialize(ref MessagePackReader reader)
    {
        int start = reader.Position;
        ReadOnlySpan<byte> text = reader.ReadStringSpan();
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal value))
        {
            throw new MessagePackSerializationException("The string is not a decimal number", start);
        }

        return value;
    }
}

/// <summary>Formats <see cref="T:byte[]"/> as bin (nil for null).</summary>
public readonly struct ByteArrayFormatter : IMessagePackFormatter<byte[]?>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, byte[]? value)
    {
        if (value is null)
        {
            writer.WriteNil();
        }
        else
        {
            writer.WriteBinary(value);
        }
    }

    /// <inheritdoc/>
    public byte[]? Deserialize(ref MessagePackReader reader) => reader.ReadBytes();
}

/// <summary>Formats <see cref="ReadOnlyMemory{T}"/> of bytes as bin; reading copies the bytes out of the input.</summary>
public readonly struct ReadOnlyMemoryByteFormatter : IMessagePackFormatter<ReadOnlyMemory<byte>>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, ReadOnlyMemory<byte> value) => writer.WriteBinary(value.Span);

    /// <inheritdoc/>
    public ReadOnlyMemory<byte> Deserialize(ref MessagePackReader reader) => reader.ReadBytes() ?? ReadOnlyMemory<byte>.Empty;
}

/// <summary>Formats <see cref="Memory{T}"/> of bytes as bin; reading copies the bytes out of the input.</summary>
public readonly struct MemoryByteFormatter : IMessagePackFormatter<Memory<byte>>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, Memory<byte> value) => writer.WriteBinary(value.Span);

    /// <inheritdoc/>
    public Memory<byte> Deserialize(ref MessagePackReader reader) => reader.ReadBytes() ?? Memory<byte>.Empty;
}

/// <summary>Formats <see cref="DateTime"/> as the timestamp extension (see <see cref="MessagePackWriter.Write(DateTime)"/>); reads as UTC.</summary>
public readonly struct DateTimeFormatter : IMessagePackFormatter<DateTime>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, DateTime value) => writer.Write(value);

    /// <inheritdoc/>
    public DateTime Deserialize(ref MessagePackReader reader) => reader.ReadDateTime();
}

/// <summary>
/// Formats <see cref="DateTimeOffset"/> as <c>[timestamp, offset minutes]</c>: the instant as the
/// timestamp extension (UTC) and the offset from UTC in whole minutes, so neither is lost.
/// </summary>
public readonly struct DateTimeOffsetFormatter : IMessagePackFormatter<DateTimeOffset>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, DateTimeOffset value)
    {
        writer.WriteArrayHeader(2);
        writer.Write(value.UtcDateTime);
        writer.Write((short)(value.Offset.Ticks / TimeSpan.TicksPerMinute));
    }

    /// <inheritdoc/>
    public DateTimeOffset Deserialize(ref MessagePackReader reader)
    {
        int start = reader.Position;
        if (reader.ReadArrayHeader() != 2)
        {
            throw new MessagePackSerializationException("A DateTimeOffset is an array of 2 elements", start);
        }

        DateTime utc = reader.ReadDateTime();
        short offsetMinutes = reader.ReadInt16();
        if (offsetMinutes is < -14 * 60 or > 14 * 60)
        {
            throw new MessagePackSerializationException($"The DateTimeOffset's offset ({offsetMinutes} minutes) is beyond 14 hours", start);
        }

        TimeSpan offset = TimeSpan.FromMinutes(offsetMinutes);
        long localTicks = utc.Ticks + offset.Ticks;
        if (localTicks < DateTime.MinValue.Ticks || localTicks > DateTime.MaxValue.Ticks)
        {
            throw new MessagePackSerializationException("The DateTimeOffset is outside the representable range", start);
        }

        return new DateTimeOffset(localTicks, offset);
    }
}

/// <summary>Formats <see cref="Guid"/> as bin of 16 bytes in RFC 9562 (big-endian) order.</summary>
public readonly struct GuidFormatter : IMessagePackFormatter<Guid>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, Guid value)
    {
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes, bigEndian: true, out _);
        writer.WriteBinary(bytes);
    }

    /// <inheritdoc/>
    public Guid Deserialize(ref MessagePackReader reader)
    {
        int start = reader.Position;
        ReadOnlySpan<byte> bytes = reader.ReadBinarySpan();
        if (bytes.Length != 16)
        {
            throw new MessagePackSerializationException($"A Guid is 16 bytes, not {bytes.Length}", start);
        }

        return new Guid(bytes, bigEndian: true);
    }
}

/// <summary>Formats <see cref="TimeSpan"/> as its signed number of 100 ns ticks.</summary>
public readonly struct TimeSpanFormatter : IMessagePackFormatter<TimeSpan>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, TimeSpan value) => writer.Write(value.Ticks);

    /// <inheritdoc/>
    public TimeSpan Deserialize(ref MessagePackReader reader) => new(reader.ReadInt64());
}
