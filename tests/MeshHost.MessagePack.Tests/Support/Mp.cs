using System.Buffers;

namespace MeshHost.MessagePack.Tests.Support;

/// <summary>Writes into a <see cref="MessagePackWriter"/>; lambdas need a named delegate for the ref struct parameter.</summary>
internal delegate void WriteAction(ref MessagePackWriter writer);

/// <summary>Reads from a <see cref="MessagePackReader"/>.</summary>
internal delegate T ReadFunc<out T>(ref MessagePackReader reader);

/// <summary>Reads from a <see cref="MessagePackReader"/>, discarding the result.</summary>
internal delegate void ReadAction(ref MessagePackReader reader);

/// <summary>Short ways to write, read and expect failures in tests.</summary>
internal static class Mp
{
    public static byte[] Write(WriteAction write)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        write(ref writer);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    public static byte[] Encode<T, TFormatter>(T value)
        where TFormatter : struct, IMessagePackFormatter<T>
        => MessagePackSerializer.Serialize(value, default(TFormatter));

    public static T Decode<T, TFormatter>(byte[] bytes, MessagePackSerializerOptions? options = null)
        where TFormatter : struct, IMessagePackFormatter<T>
        => MessagePackSerializer.Deserialize<T, TFormatter>(bytes, default, options);

    /// <summary>Reads <paramref name="bytes"/> with <paramref name="read"/> and checks that every byte was consumed.</summary>
    public static T Read<T>(byte[] bytes, ReadFunc<T> read)
    {
        var reader = new MessagePackReader(bytes);
        T value = read(ref reader);
        Assert.True(reader.End, $"{reader.Remaining} byte(s) left unread");
        return value;
    }

    /// <summary>
    /// Runs <paramref name="read"/> over <paramref name="bytes"/> directly on a reader (not through
    /// the serializer, whose catch-all would hide any other exception) and returns the
    /// <see cref="MessagePackSerializationException"/> it must throw.
    /// </summary>
    public static MessagePackSerializationException ReadFails(byte[] bytes, ReadAction read, MessagePackSerializerOptions? options = null)
    {
        try
        {
            var reader = new MessagePackReader(bytes, options);
            read(ref reader);
        }
        catch (MessagePackSerializationException ex)
        {
            Assert.InRange(ex.Offset, 0, bytes.Length);
            Assert.Contains($"at byte offset {ex.Offset}", ex.Message, StringComparison.Ordinal);
            return ex;
        }

        Assert.Fail($"Reading {Hex.Of(bytes)} should have failed.");
        return null!;
    }

    /// <summary>Reads every value in the input with <see cref="MessagePackReader.Skip"/>.</summary>
    public static void SkipAll(ref MessagePackReader reader)
    {
        while (!reader.End)
        {
            reader.Skip();
        }
    }
}
