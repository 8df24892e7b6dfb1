using System.Buffers;
using MeshHost.MessagePack.Formatters;
using MeshHost.MessagePack.Tests.Support;

namespace MeshHost.MessagePack.Tests;

/// <summary>The <see cref="MessagePackSerializer"/> entry points for generated types and explicit formatters.</summary>
public sealed class SerializerTests
{
    [Fact]
    public void Serializable_type_round_trips_through_every_input_kind()
    {
        var point = new Point(-3, "\u00e9");
        byte[] bytes = MessagePackSerializer.Serialize(point);

        Assert.Equal("92fda2c3a9", Hex.Of(bytes));
        Assert.Equal(point, MessagePackSerializer.Deserialize<Point>(bytes));
        Assert.Equal(point, MessagePackSerializer.Deserialize<Point>(bytes.AsMemory()));
        Assert.Equal(point, MessagePackSerializer.Deserialize<Point>(new ReadOnlySequence<byte>(bytes)));
        Assert.Equal(point, MessagePackSerializer.Deserialize<Point>(Segment.Split(bytes, new Random(1), maxChunk: 1)));
    }

    [Fact]
    public void Null_is_nil_both_ways()
    {
        Assert.Equal("c0", Hex.Of(MessagePackSerializer.Serialize<Point>(null)));
        Assert.Null(MessagePackSerializer.Deserialize<Point>(Hex.Parse("c0")));
    }

    [Fact]
    public void Serializing_to_a_buffer_writer_appends()
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write<byte>([0xaa]);

        MessagePackSerializer.Serialize(output, new Point(1, null));
        MessagePackSerializer.Serialize(output, 300, default(Int32Formatter));

        Assert.Equal("aa9201c0cd012c", Hex.Of(output.WrittenSpan));
    }

    [Fact]
    public void Newer_members_are_skipped_and_limits_apply_to_generated_types()
    {
        // A newer Point with a third member still reads.
        Assert.Equal(new Point(1, "a"), MessagePackSerializer.Deserialize<Point>(Hex.Parse("9301a161c3")));

        var trailing = Assert.Throws<MessagePackSerializationException>(() => MessagePackSerializer.Deserialize<Point>(Hex.Parse("9201c0c0")));
        Assert.Equal(3, trailing.Offset);

        var tooLong = new MessagePackSerializerOptions { MaxInputLength = 3 };
        Assert.Equal(0, Assert.Throws<MessagePackSerializationException>(() => MessagePackSerializer.Deserialize<Point>(Hex.Parse("9201c0c0"), tooLong)).Offset);
        Assert.Equal(0, Assert.Throws<MessagePackSerializationException>(
            () => MessagePackSerializer.Deserialize<Point>(Segment.Split(Hex.Parse("9201c0c0"), new Random(2), maxChunk: 1), tooLong)).Offset);

        var shallow = new MessagePackSerializerOptions { MaxDepth = 1 };
        var deep = Assert.Throws<MessagePackSerializationException>(() => MessagePackSerializer.Deserialize<Point>(Hex.Parse("9301c09190"), shallow));
        Assert.Equal(4, deep.Offset);
    }

    [Fact]
    public void Nested_Serialize_calls_from_a_formatter_do_not_share_the_scratch_buffer()
    {
        byte[] bytes = MessagePackSerializer.Serialize(new[] { new Point(1, "a"), new Point(2, "b") }, default(EmbeddingFormatter));

        // Each element is the encoding of a Point, embedded as bin.
        Assert.Equal("92c4049201a161c4049202a162", Hex.Of(bytes));
    }

    [Fact]
    public void Large_results_are_correct_and_the_next_small_one_too()
    {
        byte[] big = Vectors.Pattern(3 * 1024 * 1024);
        byte[] encoded = MessagePackSerializer.Serialize<byte[]?, ByteArrayFormatter>(big, default);
        Assert.Equal(big.Length + 5, encoded.Length);
        Assert.Equal(big, MessagePackSerializer.Deserialize<byte[]?, ByteArrayFormatter>(encoded, default));

        Assert.Equal("01", Hex.Of(MessagePackSerializer.Serialize(1, default(Int32Formatter))));
        Assert.Equal("9201c0", Hex.Of(MessagePackSerializer.Serialize(new Point(1, null))));
    }

    [Fact]
    public void A_failed_serialization_leaves_the_next_one_clean()
    {
        Assert.Throws<MessagePackSerializationException>(() => MessagePackSerializer.Serialize(new Point(1, "\ud800")));

        Assert.Equal("9201a161", Hex.Of(MessagePackSerializer.Serialize(new Point(1, "a"))));
    }

    /// <summary>Writes each point as a bin holding its own serialization: a Serialize inside a Serialize.</summary>
    private readonly struct EmbeddingFormatter : IMessagePackFormatter<Point[]>
    {
        public void Serialize(ref MessagePackWriter writer, Point[] value)
        {
            writer.WriteArrayHeader(value.Length);
            foreach (Point point in value)
            {
                writer.WriteBinary(MessagePackSerializer.Serialize(point));
            }
        }

        public Point[] Deserialize(ref MessagePackReader reader) => throw new NotSupportedException();
    }
}
