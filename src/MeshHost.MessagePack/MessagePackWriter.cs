using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace MeshHost.MessagePack;

/// <summary>
/// Writes MessagePack values to an <see cref="IBufferWriter{T}"/>, always choosing the smallest
/// encoding. It works in a span borrowed from the output and commits it on <see cref="Flush"/>:
/// call <see cref="Flush"/> once when done (the <see cref="MessagePackSerializer"/> entry points
/// do). A writer is a <c>ref struct</c>: pass it by <c>ref</c>, never copy it.
/// </summary>
public ref struct MessagePackWriter
{
    // Smallest span worth asking the output for, so that many small values share one GetSpan call.
    private const int MinimumBufferSize = 256;

    // Strict: a string with a lone surrogate fails instead of being silently replaced with U+FFFD.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _buffered;

    /// <summary>Creates a writer that appends to <paramref name="output"/>.</summary>
    public MessagePackWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _span = default;
        _buffered = 0;
    }

    /// <summary>Commits everything written so far to the output.</summary>
    public void Flush()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
            _buffered = 0;
        }

        _span = default;
    }

    /// <summary>Writes nil.</summary>
    public void WriteNil() => WriteByte(MessagePackCode.Nil);

    /// <summary>Writes true or false.</summary>
    public void Write(bool value) => WriteByte(value ? MessagePackCode.True : MessagePackCode.False);

    /// <summary>Writes an integer in its smallest encoding.</summary>
    public void Write(byte value) => Write((ulong)value);

    /// <summary>Writes an integer in its smallest encoding.</summary>
    public void Write(sbyte value) => Write((long)value);

    /// <summary>Writes an integer in its smallest encoding.</summary>
    public void Write(short value) => Write((long)value);

    /// <summary>Writes an integer in its smallest encoding.</summary>
    public void Write(ushort value) => Write((ulong)value);

    /// <summary>Writes an integer in its smallest encoding.</summary>
    public void Write(int value) => Write((long)value);

    /// <summary>Writes an integer in its smallest encoding.</summary>
    public void Write(uint value) => Write((ulong)value);

    /// <summary>Writes a character as its UTF-16 code unit, an unsigned integer.</summary>
    public void Write(char value) => Write((ulong)value);

    /// <summary>Writes an integer in its smallest encoding (positive values use the unsigned forms).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(long value)
    {
        if (value >= 0)
        {
            Write((ulong)value);
        }
        else if (value >= -32)
        {
            WriteByte(unchecked((byte)value));
        }
        else
        {
            WriteNegative(value);
        }
    }

    /// <summary>Writes an unsigned integer in its smallest encoding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(ulong value)
    {
        if (value <= MessagePackCode.MaxFixInt)
        {
            WriteByte((byte)value);
        }
        else
        {
            WritePositive(value);
        }
    }

    /// <summary>Writes a float32.</summary>
    public void Write(float value)
    {
        Span<byte> span = GetSpan(5);
        span[0] = MessagePackCode.Float32;
        BinaryPrimitives.WriteSingleBigEndian(span.Slice(1), value);
        _buffered += 5;
    }

    /// <summary>Writes a float64.</summary>
    public void Write(double value)
    {
        Span<byte> span = GetSpan(9);
        span[0] = MessagePackCode.Float64;
        BinaryPrimitives.WriteDoubleBigEndian(span.Slice(1), value);
        _buffered += 9;
    }

    /// <summary>Writes a string as UTF-8, or nil for null. A string holding a lone surrogate cannot be encoded and throws.</summary>
    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteNil();
            return;
        }

        WriteString(value.AsSpan());
    }

    /// <summary>Writes UTF-16 characters as a UTF-8 string. A lone surrogate cannot be encoded and throws.</summary>
    public void WriteString(scoped ReadOnlySpan<char> value)
    {
        int byteCount;
        try
        {
            byteCount = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException ex)
        {
            throw new MessagePackSerializationException("The string holds invalid UTF-16 (a lone surrogate) and cannot be encoded as UTF-8.", ex);
        }

        WriteStringHeader(byteCount);
        Span<byte> span = GetSpan(byteCount);
        int written = StrictUtf8.GetBytes(value, span);
        _buffered += written;
    }

    /// <summary>Writes bytes that are already UTF-8 as a string. The bytes are not validated.</summary>
    public void WriteString(scoped ReadOnlySpan<byte> utf8)
    {
        WriteStringHeader(utf8.Length);
        WriteRaw(utf8);
    }

    /// <summary>Writes a str header announcing <paramref name="byteCount"/> bytes of UTF-8 that the caller writes next with <see cref="WriteRaw"/>.</summary>
    public void WriteStringHeader(int byteCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteCount);
        if (byteCount <= 31)
        {
            WriteByte((byte)(MessagePackCode.MinFixStr | byteCount));
        }
        else if (byteCount <= byte.MaxValue)
        {
            Span<byte> span = GetSpan(2);
            span[0] = MessagePackCode.Str8;
            span[1] = (byte)byteCount;
            _buffered += 2;
        }
        else if (byteCount <= ushort.MaxValue)
        {
            WriteCodeAndUInt16(MessagePackCode.Str16, (ushort)byteCount);
        }
        else
        {
            WriteCodeAndUInt32(MessagePackCode.Str32, (uint)byteCount);
        }
    }

    /// <summary>Writes a byte array (bin family).</summary>
    public void WriteBinary(scoped ReadOnlySpan<byte> value)
    {
        WriteBinaryHeader(value.Length);
        WriteRaw(value);
    }

    /// <summary>Writes a bin header announcing <paramref name="length"/> bytes that the caller writes next with <see cref="WriteRaw"/>.</summary>
    public void WriteBinaryHeader(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length <= byte.MaxValue)
        {
            Span<byte> span = GetSpan(2);
            span[0] = MessagePackCode.Bin8;
            span[1] = (byte)length;
            _buffered += 2;
        }
        else if (length <= ushort.MaxValue)
        {
            WriteCodeAndUInt16(MessagePackCode.Bin16, (ushort)length);
        }
        else
        {
            WriteCodeAndUInt32(MessagePackCode.Bin32, (uint)length);
        }
    }

    /// <summary>Writes an array header; exactly <paramref name="count"/> values must follow.</summary>
    public void WriteArrayHeader(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count <= 15)
        {
            WriteByte((byte)(MessagePackCode.MinFixArray | count));
        }
        else if (count <= ushort.MaxValue)
        {
            WriteCodeAndUInt16(MessagePackCode.Array16, (ushort)count);
        }
        else
        {
            WriteCodeAndUInt32(MessagePackCode.Array32, (uint)count);
        }
    }

    /// <summary>Writes a map header; exactly <paramref name="count"/> key/value pairs must follow.</summary>
    public void WriteMapHeader(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count <= 15)
        {
            WriteByte((byte)(MessagePackCode.MinFixMap | count));
        }
        else if (count <= ushort.MaxValue)
        {
            WriteCodeAndUInt16(MessagePackCode.Map16, (ushort)count);
        }
        else
        {
            WriteCodeAndUInt32(MessagePackCode.Map32, (uint)count);
        }
    }

    /// <summary>Writes an extension header (fixext when the length allows); the payload follows with <see cref="WriteRaw"/>.</summary>
    public void WriteExtensionHeader(ExtensionHeader header)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(header.Length, nameof(header));
        byte type = unchecked((byte)header.TypeCode);
        int length = header.Length;
        byte fixCode = length switch
        {
            1 => MessagePackCode.FixExt1,
            2 => MessagePackCode.FixExt2,
            4 => MessagePackCode.FixExt4,
            8 => MessagePackCode.FixExt8,
            16 => MessagePackCode.FixExt16,
            _ => 0,
        };

        if (fixCode != 0)
        {
            Span<byte> span = GetSpan(2);
            span[0] = fixCode;
            span[1] = type;
            _buffered += 2;
        }
        else if (length <= byte.MaxValue)
        {
            Span<byte> span = GetSpan(3);
            span[0] = MessagePackCode.Ext8;
            span[1] = (byte)length;
            span[2] = type;
            _buffered += 3;
        }
        else if (length <= ushort.MaxValue)
        {
            Span<byte> span = GetSpan(4);
            span[0] = MessagePackCode.Ext16;
            BinaryPrimitives.WriteUInt16BigEndian(span.Slice(1), (ushort)length);
            span[3] = type;
            _buffered += 4;
        }
        else
        {
            Span<byte> span = GetSpan(6);
            span[0] = MessagePackCode.Ext32;
            BinaryPrimitives.WriteUInt32BigEndian(span.Slice(1), (uint)length);
            span[5] = type;
            _buffered += 6;
        }
    }

    /// <summary>
    /// Writes an instant as the timestamp extension (type -1) in its smallest form: 32-bit when it
    /// is whole seconds in 1970..2106, 64-bit when the seconds fit in 34 bits, 96-bit otherwise.
    /// A <see cref="DateTimeKind.Local"/> time is converted to UTC; an unspecified kind is taken as UTC.
    /// </summary>
    public void Write(DateTime value)
    {
        if (value.Kind == DateTimeKind.Local)
        {
            value = value.ToUniversalTime();
        }

        long ticksSinceEpoch = value.Ticks - DateTime.UnixEpoch.Ticks;
        long seconds = Math.DivRem(ticksSinceEpoch, TimeSpan.TicksPerSecond, out long remainderTicks);
        if (remainderTicks < 0)
        {
            seconds--;
            remainderTicks += TimeSpan.TicksPerSecond;
        }

        uint nanoseconds = (uint)(remainderTicks * 100);
        WriteTimestamp(seconds, nanoseconds);
    }

    /// <summary>Writes the timestamp extension for <paramref name="seconds"/> since the Unix epoch plus <paramref name="nanoseconds"/> (0 to 999,999,999).</summary>
    public void WriteTimestamp(long seconds, uint nanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nanoseconds, 999_999_999u);
        if ((ulong)seconds >> 34 == 0)
        {
            ulong data64 = ((ulong)nanoseconds << 34) | (ulong)seconds;
            if ((data64 & 0xffffffff00000000UL) == 0)
            {
                Span<byte> span = GetSpan(6);
                span[0] = MessagePackCode.FixExt4;
                span[1] = unchecked((byte)MessagePackCode.TimestampExtensionType);
                BinaryPrimitives.WriteUInt32BigEndian(span.Slice(2), (uint)data64);
                _buffered += 6;
            }
            else
            {
                Span<byte> span = GetSpan(10);
                span[0] = MessagePackCode.FixExt8;
                span[1] = unchecked((byte)MessagePackCode.TimestampExtensionType);
                BinaryPrimitives.WriteUInt64BigEndian(span.Slice(2), data64);
                _buffered += 10;
            }
        }
        else
        {
            Span<byte> span = GetSpan(15);
            span[0] = MessagePackCode.Ext8;
            span[1] = 12;
            span[2] = unchecked((byte)MessagePackCode.TimestampExtensionType);
            BinaryPrimitives.WriteUInt32BigEndian(span.Slice(3), nanoseconds);
            BinaryPrimitives.WriteInt64BigEndian(span.Slice(7), seconds);
            _buffered += 15;
        }
    }

    /// <summary>Copies bytes that already are MessagePack (or a payload announced by a header) to the output.</summary>
    public void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= _span.Length - _buffered)
        {
            bytes.CopyTo(_span.Slice(_buffered));
            _buffered += bytes.Length;
            return;
        }

        WriteRawSlow(bytes);
    }

    /// <summary>Borrows at least <paramref name="sizeHint"/> bytes to write into directly; commit them with <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int sizeHint)
    {
        if (_span.Length - _buffered >= sizeHint)
        {
            return _span.Slice(_buffered);
        }

        return Grow(sizeHint);
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the span from <see cref="GetSpan"/>.</summary>
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_span.Length - _buffered))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Advanced past the borrowed span.");
        }

        _buffered += count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteByte(byte value)
    {
        if (_buffered < _span.Length)
        {
            _span[_buffered++] = value;
            return;
        }

        Grow(1)[0] = value;
        _buffered++;
    }

    private void WritePositive(ulong value)
    {
        if (value <= byte.MaxValue)
        {
            Span<byte> span = GetSpan(2);
            span[0] = MessagePackCode.UInt8;
            span[1] = (byte)value;
            _buffered += 2;
        }
        else if (value <= ushort.MaxValue)
        {
            WriteCodeAndUInt16(MessagePackCode.UInt16, (ushort)value);
        }
        else if (value <= uint.MaxValue)
        {
            WriteCodeAndUInt32(MessagePackCode.UInt32, (uint)value);
        }
        else
        {
            Span<byte> span = GetSpan(9);
            span[0] = MessagePackCode.UInt64;
            BinaryPrimitives.WriteUInt64BigEndian(span.Slice(1), value);
            _buffered += 9;
        }
    }

    private void WriteNegative(long value)
    {
        if (value >= sbyte.MinValue)
        {
            Span<byte> span = GetSpan(2);
            span[0] = MessagePackCode.Int8;
            span[1] = unchecked((byte)value);
            _buffered += 2;
        }
        else if (value >= short.MinValue)
        {
            Span<byte> span = GetSpan(3);
            span[0] = MessagePackCode.Int16;
            BinaryPrimitives.WriteInt16BigEndian(span.Slice(1), (short)value);
            _buffered += 3;
        }
        else if (value >= int.MinValue)
        {
            Span<byte> span = GetSpan(5);
            span[0] = MessagePackCode.Int32;
            BinaryPrimitives.WriteInt32BigEndian(span.Slice(1), (int)value);
            _buffered += 5;
        }
        else
        {
            Span<byte> span = GetSpan(9);
            span[0] = MessagePackCode.Int64;
            BinaryPrimitives.WriteInt64BigEndian(span.Slice(1), value);
            _buffered += 9;
        }
    }

    private void WriteCodeAndUInt16(byte code, ushort value)
    {
        Span<byte> span = GetSpan(3);
        span[0] = code;
        BinaryPrimitives.WriteUInt16BigEndian(span.Slice(1), value);
        _buffered += 3;
    }

    private void WriteCodeAndUInt32(byte code, uint value)
    {
        Span<byte> span = GetSpan(5);
        span[0] = code;
        BinaryPrimitives.WriteUInt32BigEndian(span.Slice(1), value);
        _buffered += 5;
    }

    private void WriteRawSlow(scoped ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            Span<byte> span = GetSpan(1);
            int chunk = Math.Min(span.Length, bytes.Length);
            bytes.Slice(0, chunk).CopyTo(span);
            _buffered += chunk;
            bytes = bytes.Slice(chunk);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Span<byte> Grow(int sizeHint)
    {
        Flush();
        _span = _output.GetSpan(Math.Max(sizeHint, MinimumBufferSize));
        if (_span.Length < sizeHint)
        {
            throw new InvalidOperationException("The output returned a span smaller than requested.");
        }

        return _span;
    }
}
