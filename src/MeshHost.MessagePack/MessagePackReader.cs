using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;

namespace MeshHost.MessagePack;

/// <summary>
/// Reads MessagePack values in place from a span of untrusted bytes. Every length in the input is
/// checked against the bytes that remain before anything is allocated, nesting is limited by
/// <see cref="MessagePackSerializerOptions.MaxDepth"/>, strings must be valid UTF-8, and every
/// failure is a <see cref="MessagePackSerializationException"/> carrying the byte offset.
/// A reader is a <c>ref struct</c>: pass it by <c>ref</c>, never copy it.
/// </summary>
public ref partial struct MessagePackReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _maxDepth;
    private int _position;
    private int _depth;

    /// <summary>Creates a reader over <paramref name="buffer"/> with the limits of <paramref name="options"/> (or the defaults).</summary>
    public MessagePackReader(ReadOnlySpan<byte> buffer, MessagePackSerializerOptions? options = null)
    {
        options ??= MessagePackSerializerOptions.Default;
        if (buffer.Length > options.MaxInputLength)
        {
            throw new MessagePackSerializationException(
                $"The input is {buffer.Length} bytes, more than the limit of {options.MaxInputLength} bytes", 0);
        }

        _buffer = buffer;
        _maxDepth = options.MaxDepth;
        _position = 0;
        _depth = 0;
    }

    /// <summary>
    /// Creates a reader over a sequence. A sequence of several segments is first copied into one
    /// array (its length is checked against the limit before that); prefer a single segment.
    /// </summary>
    public MessagePackReader(in ReadOnlySequence<byte> sequence, MessagePackSerializerOptions? options = null)
        : this(Linearize(sequence, options ?? MessagePackSerializerOptions.Default), options)
    {
    }

    /// <summary>The number of bytes consumed so far.</summary>
    public readonly int Position => _position;

    /// <summary>The number of bytes not yet consumed.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>Whether every byte has been consumed.</summary>
    public readonly bool End => _position >= _buffer.Length;

    /// <summary>The current nesting depth (objects and collections entered with <see cref="EnterNested"/>).</summary>
    public readonly int Depth => _depth;

    /// <summary>The family of the next value, or <see cref="MessagePackType.Unknown"/> at the end of the input.</summary>
    public readonly MessagePackType NextType =>
        _position < _buffer.Length ? MessagePackCode.ToMessagePackType(_buffer[_position]) : MessagePackType.Unknown;

    /// <summary>The first byte of the next value. Throws at the end of the input.</summary>
    public readonly byte NextCode
    {
        get
        {
            if (_position >= _buffer.Length)
            {
                ThrowEndOfInput(_position, 1);
            }

            return _buffer[_position];
        }
    }

    /// <summary>Creates an exception for bad input at the current position; formatters throw it.</summary>
    public readonly MessagePackSerializationException CreateError(string message) => new(message, _position);

    /// <summary>Enters an object or collection: throws when that exceeds the depth limit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnterNested()
    {
        if (++_depth > _maxDepth)
        {
            ThrowTooDeep();
        }
    }

    /// <summary>Leaves an object or collection entered with <see cref="EnterNested"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void LeaveNested() => _depth--;

    /// <summary>Consumes a nil and returns true, or returns false and consumes nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadNil()
    {
        if (_position < _buffer.Length && _buffer[_position] == MessagePackCode.Nil)
        {
            _position++;
            return true;
        }

        return false;
    }

    /// <summary>Reads a nil.</summary>
    public void ReadNil()
    {
        if (ReadCode() != MessagePackCode.Nil)
        {
            ThrowWrongType(_position - 1, "nil");
        }
    }

    /// <summary>Reads true or false.</summary>
    public bool ReadBoolean()
    {
        byte code = ReadCode();
        switch (code)
        {
            case MessagePackCode.True:
                return true;
            case MessagePackCode.False:
                return false;
            default:
                ThrowWrongType(_position - 1, "boolean");
                return false;
        }
    }

    /// <summary>Reads an integer of any encoding that fits in an <see cref="sbyte"/>.</summary>
    public sbyte ReadSByte() => (sbyte)ReadInt64InRange(sbyte.MinValue, sbyte.MaxValue, "sbyte");

    /// <summary>Reads an integer of any encoding that fits in a <see cref="byte"/>.</summary>
    public byte ReadByte() => (byte)ReadInt64InRange(byte.MinValue, byte.MaxValue, "byte");

    /// <summary>Reads an integer of any encoding that fits in a <see cref="short"/>.</summary>
    public short ReadInt16() => (short)ReadInt64InRange(short.MinValue, short.MaxValue, "Int16");

    /// <summary>Reads an integer of any encoding that fits in a <see cref="ushort"/>.</summary>
    public ushort ReadUInt16() => (ushort)ReadInt64InRange(ushort.MinValue, ushort.MaxValue, "UInt16");

    /// <summary>Reads an integer of any encoding that fits in an <see cref="int"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadInt32()
    {
        // The one-byte forms are by far the most common; keep them on the inlined path.
        if (_position < _buffer.Length)
        {
            byte code = _buffer[_position];
            if (code <= MessagePackCode.MaxFixInt || code >= MessagePackCode.MinNegativeFixInt)
            {
                _position++;
                return (sbyte)code; // fixint and negative fixint alike
            }
        }

        return (int)ReadInt64InRange(int.MinValue, int.MaxValue, "Int32");
    }

    /// <summary>Reads an integer of any encoding that fits in a <see cref="uint"/>.</summary>
    public uint ReadUInt32() => (uint)ReadInt64InRange(uint.MinValue, uint.MaxValue, "UInt32");

    /// <summary>Reads a character written as its UTF-16 code unit.</summary>
    public char ReadChar() => (char)ReadUInt16();

    /// <summary>Reads an integer of any encoding that fits in a <see cref="long"/>.</summary>
    public long ReadInt64()
    {
        int start = _position;
        byte code = ReadCode();
        if (code <= MessagePackCode.MaxFixInt)
        {
            return code;
        }

        if (code >= MessagePackCode.MinNegativeFixInt)
        {
            return (sbyte)code;
        }

        switch (code)
        {
            case MessagePackCode.UInt8: return Take(1)[0];
            case MessagePackCode.UInt16: return BinaryPrimitives.ReadUInt16BigEndian(Take(2));
            case MessagePackCode.UInt32: return BinaryPrimitives.ReadUInt32BigEndian(Take(4));
            case MessagePackCode.UInt64:
                ulong value = BinaryPrimitives.ReadUInt64BigEndian(Take(8));
                if (value > long.MaxValue)
                {
                    ThrowOutOfRange(start, "Int64");
                }

                return (long)value;
            case MessagePackCode.Int8: return (sbyte)Take(1)[0];
            case MessagePackCode.Int16: return BinaryPrimitives.ReadInt16BigEndian(Take(2));
            case MessagePackCode.Int32: return BinaryPrimitives.ReadInt32BigEndian(Take(4));
            case MessagePackCode.Int64: return BinaryPrimitives.ReadInt64BigEndian(Take(8));
            default:
                ThrowWrongType(start, "integer");
                return 0;
        }
    }

    /// <summary>Reads a non-negative integer of any encoding.</summary>
    public ulong ReadUInt64()
    {
        int start = _position;
        if (_position < _buffer.Length && _buffer[_position] == MessagePackCode.UInt64)
        {
            _position++;
            return BinaryPrimitives.ReadUInt64BigEndian(Take(8));
        }

        long value = ReadInt64();
        if (value < 0)
        {
            ThrowOutOfRange(start, "UInt64");
        }

        return (ulong)value;
    }

    /// <summary>Reads a float32 (exactly), or a float64 or an integer converted to the nearest <see cref="float"/>.</summary>
    public float ReadSingle()
    {
        int start = _position;
        byte code = NextCode;
        if (code == MessagePackCode.Float32)
        {
            _position++;
            return BinaryPrimitives.ReadSingleBigEndian(Take(4));
        }

        if (code == MessagePackCode.Float64)
        {
            _position++;
            return (float)BinaryPrimitives.ReadDoubleBigEndian(Take(8));
        }

        if (MessagePackCode.ToMessagePackType(code) != MessagePackType.Integer)
        {
            ThrowWrongType(start, "float");
        }

        return code == MessagePackCode.UInt64 ? ReadUInt64() : ReadInt64();
    }

    /// <summary>Reads a float64 or float32 (exactly), or an integer converted to the nearest <see cref="double"/>.</summary>
    public double ReadDouble()
    {
        int start = _position;
        byte code = NextCode;
        if (code == MessagePackCode.Float64)
        {
            _position++;
            return BinaryPrimitives.ReadDoubleBigEndian(Take(8));
        }

        if (code == MessagePackCode.Float32)
        {
            _position++;
            return BinaryPrimitives.ReadSingleBigEndian(Take(4));
        }

        if (MessagePackCode.ToMessagePackType(code) != MessagePackType.Integer)
        {
            ThrowWrongType(start, "float");
        }

        return code == MessagePackCode.UInt64 ? ReadUInt64() : ReadInt64();
    }

    /// <summary>Reads a string (null for nil). Invalid UTF-8 is an error.</summary>
    public string? ReadString()
    {
        if (TryReadNil())
        {
            return null;
        }

        int start = _position;
        ReadOnlySpan<byte> utf8 = ReadStringSpan();
        try
        {
            return StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException ex)
        {
            throw new MessagePackSerializationException("The string is not valid UTF-8", start, ex);
        }
    }

    /// <summary>Reads a string's raw bytes without copying or validating them (for matching keys).</summary>
    public ReadOnlySpan<byte> ReadStringSpan()
    {
        int start = _position;
        byte code = ReadCode();
        int length;
        if (code is >= MessagePackCode.MinFixStr and <= MessagePackCode.MaxFixStr)
        {
            length = code & 0x1f;
        }
        else
        {
            switch (code)
            {
                case MessagePackCode.Str8: length = Take(1)[0]; break;
                case MessagePackCode.Str16: length = BinaryPrimitives.ReadUInt16BigEndian(Take(2)); break;
                case MessagePackCode.Str32: length = ReadLength32(start); break;
                default:
                    ThrowWrongType(start, "string");
                    return default;
            }
        }

        return ReadPayload(start, length, "string");
    }

    /// <summary>Reads a byte array into a new array (null for nil).</summary>
    public byte[]? ReadBytes()
    {
        if (TryReadNil())
        {
            return null;
        }

        ReadOnlySpan<byte> bytes = ReadBinarySpan();
        return bytes.Length == 0 ? [] : bytes.ToArray();
    }

    /// <summary>Reads a byte array without copying it: the span points into the input.</summary>
    public ReadOnlySpan<byte> ReadBinarySpan()
    {
        int start = _position;
        byte code = ReadCode();
        int length;
        switch (code)
        {
            case MessagePackCode.Bin8: length = Take(1)[0]; break;
            case MessagePackCode.Bin16: length = BinaryPrimitives.ReadUInt16BigEndian(Take(2)); break;
            case MessagePackCode.Bin32: length = ReadLength32(start); break;
            default:
                ThrowWrongType(start, "binary");
                return default;
        }

        return ReadPayload(start, length, "binary");
    }

    /// <summary>Reads an array header. The count is checked against the remaining bytes (each element takes at least one).</summary>
    public int ReadArrayHeader()
    {
        int start = _position;
        byte code = ReadCode();
        int count;
        if (code is >= MessagePackCode.MinFixArray and <= MessagePackCode.MaxFixArray)
        {
            count = code & 0x0f;
        }
        else
        {
            switch (code)
            {
                case MessagePackCode.Array16: count = BinaryPrimitives.ReadUInt16BigEndian(Take(2)); break;
                case MessagePackCode.Array32: count = ReadLength32(start); break;
                default:
                    ThrowWrongType(start, "array");
                    return 0;
            }
        }

        if (count > Remaining)
        {
            ThrowCountTooLarge(start, "array", count, 1);
        }

        return count;
    }

    /// <summary>Reads a map header. The count is checked against the remaining bytes (each entry takes at least two).</summary>
    public int ReadMapHeader()
    {
        int start = _position;
        byte code = ReadCode();
        int count;
        if (code is >= MessagePackCode.MinFixMap and <= MessagePackCode.MaxFixMap)
        {
            count = code & 0x0f;
        }
        else
        {
            switch (code)
            {
                case MessagePackCode.Map16: count = BinaryPrimitives.ReadUInt16BigEndian(Take(2)); break;
                case MessagePackCode.Map32: count = ReadLength32(start); break;
                default:
                    ThrowWrongType(start, "map");
                    return 0;
            }
        }

        if ((long)count * 2 > Remaining)
        {
            ThrowCountTooLarge(start, "map", count, 2);
        }

        return count;
    }

    /// <summary>Reads an extension header; its payload (checked to fit) follows and is read with <see cref="ReadRaw"/>.</summary>
    public ExtensionHeader ReadExtensionHeader()
    {
        int start = _position;
        byte code = ReadCode();
        int length;
        switch (code)
        {
            case MessagePackCode.FixExt1: length = 1; break;
            case MessagePackCode.FixExt2: length = 2; break;
            case MessagePackCode.FixExt4: length = 4; break;
            case MessagePackCode.FixExt8: length = 8; break;
            case MessagePackCode.FixExt16: length = 16; break;
            case MessagePackCode.Ext8: length = Take(1)[0]; break;
            case MessagePackCode.Ext16: length = BinaryPrimitives.ReadUInt16BigEndian(Take(2)); break;
            case MessagePackCode.Ext32: length = ReadLength32(start); break;
            default:
                ThrowWrongType(start, "extension");
                return default;
        }

        sbyte type = (sbyte)Take(1)[0];
        if (length > Remaining)
        {
            ThrowCountTooLarge(start, "extension", length, 1);
        }

        return new ExtensionHeader(type, length);
    }

    /// <summary>Reads the next <paramref name="length"/> bytes as they are, without copying.</summary>
    public ReadOnlySpan<byte> ReadRaw(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return Take(length);
    }

    /// <summary>Reads the whole next value (with everything nested in it) as raw MessagePack bytes, without copying.</summary>
    public ReadOnlySpan<byte> ReadRawValue()
    {
        int start = _position;
        Skip();
        return _buffer.Slice(start, _position - start);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte ReadCode()
    {
        if (_position >= _buffer.Length)
        {
            ThrowEndOfInput(_position, 1);
        }

        return _buffer[_position++];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _buffer.Length - _position)
        {
            ThrowEndOfInput(_position, count);
        }

        ReadOnlySpan<byte> slice = _buffer.Slice(_position, count);
        _position += count;
        return slice;
    }

    private ReadOnlySpan<byte> ReadPayload(int start, int length, string what)
    {
        if (length > _buffer.Length - _position)
        {
            ThrowCountTooLarge(start, what, length, 1);
        }

        ReadOnlySpan<byte> slice = _buffer.Slice(_position, length);
        _position += length;
        return slice;
    }

    private int ReadLength32(int start)
    {
        uint length = BinaryPrimitives.ReadUInt32BigEndian(Take(4));
        if (length > int.MaxValue)
        {
            ThrowCountTooLarge(start, "value", length, 1);
        }

        return (int)length;
    }

    private long ReadInt64InRange(long min, long max, string typeName)
    {
        int start = _position;
        long value = ReadInt64();
        if (value < min || value > max)
        {
            ThrowOutOfRange(start, typeName);
        }

        return value;
    }

    private static ReadOnlySpan<byte> Linearize(in ReadOnlySequence<byte> sequence, MessagePackSerializerOptions options)
    {
        if (sequence.IsSingleSegment)
        {
            return sequence.FirstSpan;
        }

        if (sequence.Length > options.MaxInputLength)
        {
            throw new MessagePackSerializationException(
                $"The input is {sequence.Length} bytes, more than the limit of {options.MaxInputLength} bytes", 0);
        }

        return sequence.ToArray();
    }

    [DoesNotReturn]
    private static void ThrowEndOfInput(int position, int needed) =>
        throw new MessagePackSerializationException($"Unexpected end of input: {needed} more byte(s) needed", position);

    [DoesNotReturn]
    private readonly void ThrowWrongType(int position, string expected)
    {
        byte code = _buffer[position];
        throw new MessagePackSerializationException(
            $"Expected {expected} but found {DescribeCode(code)} (0x{code:x2})", position);
    }

    [DoesNotReturn]
    private static void ThrowOutOfRange(int position, string typeName) =>
        throw new MessagePackSerializationException($"The integer does not fit in {typeName}", position);

    [DoesNotReturn]
    private readonly void ThrowCountTooLarge(int position, string what, long count, int minimumBytesEach) =>
        throw new MessagePackSerializationException(
            $"The {what} declares {count} {(what is "array" or "map" ? "elements" : "bytes")}, which cannot fit in the {_buffer.Length - _position} bytes that remain (at least {minimumBytesEach} each)",
            position);

    [DoesNotReturn]
    private readonly void ThrowTooDeep() =>
        throw new MessagePackSerializationException($"Nesting is deeper than the limit of {_maxDepth}", _position);

    private static string DescribeCode(byte code) => MessagePackCode.ToMessagePackType(code) switch
    {
        MessagePackType.Unknown => "the never-used code",
        MessagePackType.Integer => "an integer",
        MessagePackType.Nil => "nil",
        MessagePackType.Boolean => "a boolean",
        MessagePackType.Float => "a float",
        MessagePackType.String => "a string",
        MessagePackType.Binary => "binary",
        MessagePackType.Array => "an array",
        MessagePackType.Map => "a map",
        _ => "an extension",
    };
}
