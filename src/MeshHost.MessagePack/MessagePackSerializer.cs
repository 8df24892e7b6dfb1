using System.Buffers;

namespace MeshHost.MessagePack;

/// <summary>
/// Serializes and deserializes values. Types marked <see cref="MessagePackObjectAttribute"/> (or
/// unions) implement <see cref="IMessagePackSerializable{TSelf}"/> through the source generator and
/// use the one-argument overloads; any other type goes through an explicit formatter, such as the
/// built-ins in <c>MeshHost.MessagePack.Formatters</c>. Nothing is looked up by reflection or cached.
/// </summary>
/// <remarks>
/// Deserialization treats its input as hostile: it reads exactly one value and rejects trailing
/// bytes, and every failure, whatever its cause, surfaces as
/// <see cref="MessagePackSerializationException"/> with the byte offset where it happened.
/// </remarks>
public static class MessagePackSerializer
{
    [ThreadStatic]
    private static PooledBufferWriter? t_scratch;

    /// <summary>Appends the encoding of <paramref name="value"/> to <paramref name="output"/>. Allocates nothing of its own.</summary>
    public static void Serialize<T>(IBufferWriter<byte> output, T? value)
        where T : IMessagePackSerializable<T>
    {
        var writer = new MessagePackWriter(output);
        T.Serialize(ref writer, value);
        writer.Flush();
    }

    /// <summary>Appends the encoding of <paramref name="value"/> to <paramref name="output"/> with <paramref name="formatter"/>.</summary>
    public static void Serialize<T, TFormatter>(IBufferWriter<byte> output, T value, TFormatter formatter)
        where TFormatter : IMessagePackFormatter<T>
    {
        var writer = new MessagePackWriter(output);
        formatter.Serialize(ref writer, value);
        writer.Flush();
    }

    /// <summary>Returns the encoding of <paramref name="value"/> as a new array.</summary>
    public static byte[] Serialize<T>(T? value)
        where T : IMessagePackSerializable<T>
    {
        PooledBufferWriter scratch = RentScratch();
        try
        {
            Serialize(scratch, value);
            return scratch.WrittenSpan.ToArray();
        }
        finally
        {
            ReturnScratch(scratch);
        }
    }

    /// <summary>Returns the encoding of <paramref name="value"/> with <paramref name="formatter"/> as a new array.</summary>
    public static byte[] Serialize<T, TFormatter>(T value, TFormatter formatter)
        where TFormatter : IMessagePackFormatter<T>
    {
        PooledBufferWriter scratch = RentScratch();
        try
        {
            Serialize(scratch, value, formatter);
            return scratch.WrittenSpan.ToArray();
        }
        finally
        {
            ReturnScratch(scratch);
        }
    }

    /// <summary>Reads exactly one value from <paramref name="bytes"/>.</summary>
    /// <exception cref="MessagePackSerializationException">The input is malformed, too large, too deep, does not match <typeparamref name="T"/>, or has trailing bytes.</exception>
    public static T? Deserialize<T>(ReadOnlySpan<byte> bytes, MessagePackSerializerOptions? options = null)
        where T : IMessagePackSerializable<T>
        => Deserialize<T?, Formatters.SerializableFormatter<T>>(bytes, default, options);

    /// <summary>Reads exactly one value from <paramref name="bytes"/>.</summary>
    /// <exception cref="MessagePackSerializationException">See <see cref="Deserialize{T}(ReadOnlySpan{byte}, MessagePackSerializerOptions?)"/>.</exception>
    public static T? Deserialize<T>(ReadOnlyMemory<byte> bytes, MessagePackSerializerOptions? options = null)
        where T : IMessagePackSerializable<T>
        => Deserialize<T?, Formatters.SerializableFormatter<T>>(bytes.Span, default, options);

    /// <summary>Reads exactly one value from <paramref name="sequence"/> (a multi-segment sequence is first gathered into one pooled buffer).</summary>
    /// <exception cref="MessagePackSerializationException">See <see cref="Deserialize{T}(ReadOnlySpan{byte}, MessagePackSerializerOptions?)"/>.</exception>
    public static T? Deserialize<T>(in ReadOnlySequence<byte> sequence, MessagePackSerializerOptions? options = null)
        where T : IMessagePackSerializable<T>
        => Deserialize<T?, Formatters.SerializableFormatter<T>>(sequence, default, options);

    /// <summary>Reads exactly one value from <paramref name="bytes"/> with <paramref name="formatter"/>.</summary>
    /// <exception cref="MessagePackSerializationException">See <see cref="Deserialize{T}(ReadOnlySpan{byte}, MessagePackSerializerOptions?)"/>.</exception>
    public static T Deserialize<T, TFormatter>(ReadOnlySpan<byte> bytes, TFormatter formatter, MessagePackSerializerOptions? options = null)
        where TFormatter : IMessagePackFormatter<T>
    {
        var reader = new MessagePackReader(bytes, options);
        try
        {
            T value = formatter.Deserialize(ref reader);
            if (!reader.End)
            {
                throw reader.CreateError($"{reader.Remaining} unexpected byte(s) follow the value");
            }

            return value;
        }
        catch (Exception ex) when (ex is not MessagePackSerializationException)
        {
            // A constructor or setter that rejects a value, or any other surprise, still reaches the
            // caller as one exception type with a position, so callers need only one catch.
            throw new MessagePackSerializationException($"Reading {typeof(T).Name} failed: {ex.Message}", reader.Position, ex);
        }
    }

    /// <summary>Reads exactly one value from <paramref name="sequence"/> with <paramref name="formatter"/>.</summary>
    /// <exception cref="MessagePackSerializationException">See <see cref="Deserialize{T}(ReadOnlySpan{byte}, MessagePackSerializerOptions?)"/>.</exception>
    public static T Deserialize<T, TFormatter>(in ReadOnlySequence<byte> sequence, TFormatter formatter, MessagePackSerializerOptions? options = null)
        where TFormatter : IMessagePackFormatter<T>
    {
        if (sequence.IsSingleSegment)
        {
            return Deserialize<T, TFormatter>(sequence.FirstSpan, formatter, options);
        }

        options ??= MessagePackSerializerOptions.Default;
        if (sequence.Length > options.MaxInputLength)
        {
            throw new MessagePackSerializationException(
                $"The input is {sequence.Length} bytes, more than the limit of {options.MaxInputLength} bytes", 0);
        }

        int length = (int)sequence.Length;
        byte[] gathered = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            sequence.CopyTo(gathered);
            return Deserialize<T, TFormatter>(gathered.AsSpan(0, length), formatter, options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(gathered);
        }
    }

    private static PooledBufferWriter RentScratch()
    {
        // Take the thread's scratch buffer out of the slot so that a nested Serialize call (from a
        // custom formatter) gets its own rather than overwriting this one.
        PooledBufferWriter? scratch = t_scratch;
        t_scratch = null;
        return scratch ?? new PooledBufferWriter(1024);
    }

    private static void ReturnScratch(PooledBufferWriter scratch)
    {
        const int MaxRetainedBytes = 1024 * 1024;
        if (scratch.WrittenCount > MaxRetainedBytes)
        {
            // Do not pin a large array to this thread for ever.
            scratch.Dispose();
            return;
        }

        scratch.Clear();
        t_scratch = scratch;
    }
}
