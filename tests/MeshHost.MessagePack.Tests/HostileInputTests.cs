using System.Buffers;
using System.Text;
using MeshHost.MessagePack.Formatters;
using MeshHost.MessagePack.Tests.Support;

namespace MeshHost.MessagePack.Tests;

/// <summary>
/// One test per kind of bad input: broken framing and limits here, well-framed bad values in
/// HostileInputTests.Values.cs. Each failure must be a <see cref="MessagePackSerializationException"/>
/// whose <see cref="MessagePackSerializationException.Offset"/> names the byte where it happened;
/// the reads run directly on a reader so that no catch-all can hide another exception type.
/// </summary>
public sealed partial class HostileInputTests
{
    public static TheoryData<string> SmallVectors => Vectors.SmallNames();

    [Theory]
    [MemberData(nameof(SmallVectors))]
    public void Truncation_at_every_position_fails_with_the_offset_of_the_missing_bytes(string name)
    {
        Vector vector = Vectors.Get(name);
        for (int length = 0; length < vector.Bytes.Length; length++)
        {
            byte[] prefix = vector.Bytes.AsSpan(0, length).ToArray();

            var typed = Mp.ReadFails(prefix, (ref MessagePackReader r) => vector.Read(ref r));
            var skipped = Mp.ReadFails(prefix, (ref MessagePackReader r) => r.Skip());

            foreach (MessagePackSerializationException ex in new[] { typed, skipped })
            {
                Assert.True(
                    ex.Message.Contains("end of input", StringComparison.Ordinal) || ex.Message.Contains("cannot fit", StringComparison.Ordinal),
                    $"{name} cut to {length} bytes: {ex.Message}");
            }

            // Reading stops at the value's header (a length that cannot fit) or where bytes run out.
            Assert.InRange(skipped.Offset, 0, length);
        }
    }

    [Fact]
    public void Truncation_of_large_values_fails_without_reading_past_the_end()
    {
        foreach (Vector vector in Vectors.All)
        {
            int[] cuts = [1, 2, 3, 5, vector.Bytes.Length / 2, vector.Bytes.Length - 1];
            foreach (int cut in cuts)
            {
                if (cut <= 0 || cut >= vector.Bytes.Length)
                {
                    continue;
                }

                byte[] prefix = vector.Bytes.AsSpan(0, cut).ToArray();
                Mp.ReadFails(prefix, (ref MessagePackReader r) => vector.Read(ref r));
                Mp.ReadFails(prefix, (ref MessagePackReader r) => r.Skip());
            }
        }
    }

    [Fact]
    public void Truncated_composite_value_fails_at_every_position_on_every_path()
    {
        var value = new Dictionary<string, List<long?>?> { ["a"] = [1, null, 70000], ["\u00e9t\u00e9"] = null, ["z"] = [] };
        byte[] bytes = Mp.Encode<Dictionary<string, List<long?>?>?, StringListMap>(value);

        for (int length = 0; length < bytes.Length; length++)
        {
            byte[] prefix = bytes.AsSpan(0, length).ToArray();
            Mp.ReadFails(prefix, (ref MessagePackReader r) => default(StringListMap).Deserialize(ref r));
            Mp.ReadFails(prefix, (ref MessagePackReader r) => r.Skip());
            var ex = Assert.Throws<MessagePackSerializationException>(() => Mp.Decode<Dictionary<string, List<long?>?>?, StringListMap>(prefix));
            Assert.InRange(ex.Offset, 0, length);
        }
    }

    public static TheoryData<string, string, string> HugeLengths => new()
    {
        // name, header, what the message names
        { "str8", "d9ff", "string" },
        { "str16", "daffff", "string" },
        { "str32", "db7fffffff", "string" },
        { "str32 beyond int", "dbffffffff", "value" },
        { "bin8", "c4ff", "binary" },
        { "bin16", "c5ffff", "binary" },
        { "bin32", "c67fffffff", "binary" },
        { "bin32 beyond int", "c6ffffffff", "value" },
        { "array16", "dcffff", "array" },
        { "array32", "dd7fffffff", "array" },
        { "array32 beyond int", "ddffffffff", "value" },
        { "map16", "deffff", "map" },
        { "map32", "df7fffffff", "map" },
        { "map32 beyond int", "dfffffffff", "value" },
        { "fixarray", "9f", "array" },
        { "fixmap", "8f", "map" },
        { "fixstr", "bf", "string" },
        { "ext8", "c7ff05", "extension" },
        { "ext16", "c8ffff05", "extension" },
        { "ext32", "c97fffffff05", "extension" },
        { "ext32 beyond int", "c9ffffffff05", "value" },
    };

    [Theory]
    [MemberData(nameof(HugeLengths))]
    public void Declared_length_beyond_the_input_fails_before_allocating(string name, string header, string what)
    {
        // The header sits after a 3-byte prefix inside an array, so the offset must point at it.
        byte[] input = Hex.Parse("92 cd0102 " + header + " 0102030405");

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Mp.ReadFails(input, (ref MessagePackReader r) => r.Skip());
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(4, ex.Offset);
        Assert.Contains($"The {what} declares", ex.Message, StringComparison.Ordinal);
        Assert.True(allocated < 16 * 1024, $"{name}: {allocated} bytes allocated for a {input.Length}-byte input");

        // The typed readers refuse it the same way.
        byte[] alone = Hex.Parse(header + "0102030405");
        ReadAction typed = what switch
        {
            "string" => (ref MessagePackReader r) => r.ReadString(),
            "binary" => (ref MessagePackReader r) => r.ReadBytes(),
            "array" => (ref MessagePackReader r) => default(ArrayFormatter<long, Int64Formatter>).Deserialize(ref r),
            "map" => (ref MessagePackReader r) => default(StringListMap).Deserialize(ref r),
            "extension" => (ref MessagePackReader r) => r.ReadExtensionHeader(),
            _ => (ref MessagePackReader r) => r.Skip(),
        };
        Assert.Equal(0, Mp.ReadFails(alone, typed).Offset);
    }

    [Fact]
    public void Never_used_code_0xc1_is_refused_everywhere()
    {
        Assert.Equal(0, Mp.ReadFails(Hex.Parse("c1"), (ref MessagePackReader r) => r.Skip()).Offset);
        Assert.Equal(MessagePackType.Unknown, new MessagePackReader(Hex.Parse("c1")).NextType);

        var inArray = Mp.ReadFails(Hex.Parse("9301c102"), (ref MessagePackReader r) => r.Skip());
        Assert.Equal(2, inArray.Offset);
        Assert.Contains("0xc1", inArray.Message, StringComparison.Ordinal);

        ReadAction[] typed =
        [
            (ref MessagePackReader r) => r.ReadInt64(),
            (ref MessagePackReader r) => r.ReadUInt64(),
            (ref MessagePackReader r) => r.ReadDouble(),
            (ref MessagePackReader r) => r.ReadString(),
            (ref MessagePackReader r) => r.ReadBytes(),
            (ref MessagePackReader r) => r.ReadBoolean(),
            (ref MessagePackReader r) => r.ReadNil(),
            (ref MessagePackReader r) => r.ReadArrayHeader(),
            (ref MessagePackReader r) => r.ReadMapHeader(),
            (ref MessagePackReader r) => r.ReadExtensionHeader(),
            (ref MessagePackReader r) => r.ReadDateTime(),
        ];
        foreach (ReadAction read in typed)
        {
            Assert.Equal(0, Mp.ReadFails(Hex.Parse("c1"), read).Offset);
        }
    }

    public static TheoryData<string, string> InvalidUtf8 => new()
    {
        { "overlong NUL", "c080" },
        { "overlong slash", "e080af" },
        { "overlong 4-byte", "f0808080" },
        { "UTF-16 high surrogate", "eda080" },
        { "UTF-16 low surrogate", "edbfbf" },
        { "truncated 2-byte", "c3" },
        { "truncated 3-byte", "e282" },
        { "truncated 4-byte", "f09f98" },
        { "lone continuation", "80" },
        { "invalid byte ff", "ff" },
        { "beyond U+10FFFF", "f4908080" },
        { "truncated before ascii", "e241" },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void Invalid_utf8_is_refused_with_the_offset_of_the_string(string name, string payloadHex)
    {
        byte[] payload = Hex.Parse(payloadHex);
        byte[] input = Hex.Concat("92 01 " + (0xa0 | payload.Length).ToString("x2", System.Globalization.CultureInfo.InvariantCulture), payload);

        var ex = Mp.ReadFails(input, (ref MessagePackReader r) =>
        {
            r.ReadArrayHeader();
            r.ReadInt32();
            r.ReadString();
        });

        Assert.Equal(2, ex.Offset);
        Assert.Contains("UTF-8", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.InnerException is DecoderFallbackException, $"{name}: {ex.InnerException}");

        // As a dictionary key, too.
        byte[] map = Hex.Concat("81 " + (0xa0 | payload.Length).ToString("x2", System.Globalization.CultureInfo.InvariantCulture), [.. payload, 0x90]);
        Assert.Equal(1, Mp.ReadFails(map, (ref MessagePackReader r) => default(StringListMap).Deserialize(ref r)).Offset);
    }

    [Fact]
    public void Nesting_of_64_is_accepted_and_65_refused_with_default_options()
    {
        Assert.Equal(64, MessagePackSerializerOptions.Default.MaxDepth);

        var ok = new MessagePackReader(NestedArrays(64));
        ok.Skip();
        Assert.True(ok.End);

        var ex = Mp.ReadFails(NestedArrays(65), (ref MessagePackReader r) => r.Skip());
        Assert.Equal(65, ex.Offset); // just after the 65th array header
        Assert.Contains("deeper than the limit of 64", ex.Message, StringComparison.Ordinal);

        // Maps count the same way.
        Mp.ReadFails(NestedMaps(65), (ref MessagePackReader r) => r.Skip());
        var okMaps = new MessagePackReader(NestedMaps(64));
        okMaps.Skip();
        Assert.True(okMaps.End);

        // A million nested arrays fail fast instead of overflowing the stack.
        Mp.ReadFails(NestedArrays(1_000_000), (ref MessagePackReader r) => r.Skip());
    }

    [Fact]
    public void Nesting_limit_applies_to_typed_recursive_formatters_and_custom_limits()
    {
        Assert.Null(Mp.Decode<Node?, NodeFormatter>(Hex.Parse("c0")));
        Node? deep = Mp.Decode<Node?, NodeFormatter>(NestedArrays(64));
        int depth = 0;
        for (Node? node = deep; node is not null; node = node.Children.Count > 0 ? node.Children[0] : null)
        {
            depth++;
        }

        Assert.Equal(64, depth);

        var ex = Assert.Throws<MessagePackSerializationException>(() => Mp.Decode<Node?, NodeFormatter>(NestedArrays(65)));
        Assert.Equal(65, ex.Offset);

        var shallow = new MessagePackSerializerOptions { MaxDepth = 3 };
        Assert.NotNull(Mp.Decode<Node?, NodeFormatter>(NestedArrays(3), shallow));
        Assert.Equal(4, Assert.Throws<MessagePackSerializationException>(() => Mp.Decode<Node?, NodeFormatter>(NestedArrays(4), shallow)).Offset);
        Assert.Equal(4, Mp.ReadFails(NestedArrays(4), (ref MessagePackReader r) => r.Skip(), shallow).Offset);
    }

    [Fact]
    public void Trailing_bytes_after_the_value_are_refused()
    {
        var ex = Assert.Throws<MessagePackSerializationException>(() => Mp.Decode<int, Int32Formatter>(Hex.Parse("0102")));
        Assert.Equal(1, ex.Offset);
        Assert.Contains("1 unexpected byte(s)", ex.Message, StringComparison.Ordinal);

        var afterArray = Assert.Throws<MessagePackSerializationException>(
            () => Mp.Decode<int[]?, ArrayFormatter<int, Int32Formatter>>(Hex.Parse("920102c0c0c0")));
        Assert.Equal(3, afterArray.Offset);

        ReadOnlySequence<byte> sequence = Segment.Split(Hex.Parse("92010203"), new Random(1), maxChunk: 2);
        var fromSequence = Assert.Throws<MessagePackSerializationException>(
            () => MessagePackSerializer.Deserialize<int[]?, ArrayFormatter<int, Int32Formatter>>(sequence, default));
        Assert.Equal(3, fromSequence.Offset);
    }

    [Fact]
    public void Input_over_MaxInputLength_is_refused_before_reading()
    {
        var options = new MessagePackSerializerOptions { MaxInputLength = 16 };
        byte[] atLimit = Hex.Concat("ae", Encoding.ASCII.GetBytes("0123456789abcd")); // 15 bytes
        byte[] overLimit = Hex.Concat("d90f", Encoding.ASCII.GetBytes("0123456789abcde")); // 17 bytes

        Assert.Equal("0123456789abcd", Mp.Decode<string?, StringFormatter>(atLimit, options));
        Assert.Equal("0123456789abcde", Mp.Decode<string?, StringFormatter>(overLimit));

        var fromSpan = Assert.Throws<MessagePackSerializationException>(() => Mp.Decode<string?, StringFormatter>(overLimit, options));
        Assert.Equal(0, fromSpan.Offset);
        Assert.Contains("limit of 16 bytes", fromSpan.Message, StringComparison.Ordinal);

        Assert.Equal(0, Mp.ReadFails(overLimit, (ref MessagePackReader r) => r.Skip(), options).Offset);

        ReadOnlySequence<byte> single = new(overLimit);
        Assert.Equal(0, Assert.Throws<MessagePackSerializationException>(
            () => MessagePackSerializer.Deserialize<string?, StringFormatter>(single, default, options)).Offset);

        ReadOnlySequence<byte> several = Segment.Split(overLimit, new Random(2), maxChunk: 4);
        Assert.False(several.IsSingleSegment);
        Assert.Equal(0, Assert.Throws<MessagePackSerializationException>(
            () => MessagePackSerializer.Deserialize<string?, StringFormatter>(several, default, options)).Offset);
        Assert.Equal(0, Assert.Throws<MessagePackSerializationException>(
            () => new MessagePackReader(several, options)).Offset);
    }

    [Fact]
    public void Default_MaxInputLength_is_16_MiB()
    {
        const int Limit = 16 * 1024 * 1024;
        Assert.Equal(Limit, MessagePackSerializerOptions.Default.MaxInputLength);

        byte[] atLimit = new byte[Limit];
        Hex.Parse("c6").CopyTo(atLimit, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(atLimit.AsSpan(1), Limit - 5);
        Assert.Equal(Limit - 5, Mp.Decode<byte[]?, ByteArrayFormatter>(atLimit)!.Length);

        byte[] overLimit = new byte[Limit + 1];
        var ex = Assert.Throws<MessagePackSerializationException>(() => Mp.Decode<byte[]?, ByteArrayFormatter>(overLimit));
        Assert.Equal(0, ex.Offset);
    }

    [Fact]
    public void Lone_surrogate_on_write_fails_and_writes_nothing()
    {
        foreach (string text in new[] { "\ud800", "a\ud83d", "\ude00\ud83d", "x\udfffy" })
        {
            var output = new ArrayBufferWriter<byte>();
            MessagePackSerializationException? caught = null;
            var writer = new MessagePackWriter(output);
            writer.Write(1);
            try
            {
                writer.WriteString(text);
            }
            catch (MessagePackSerializationException ex)
            {
                caught = ex;
            }

            writer.Flush();

            Assert.NotNull(caught);
            Assert.Equal(-1, caught.Offset);
            Assert.Contains("lone surrogate", caught.Message, StringComparison.Ordinal);
            Assert.IsType<EncoderFallbackException>(caught.InnerException);
            Assert.Equal("01", Hex.Of(output.WrittenSpan)); // no header was left dangling
        }

        Assert.Throws<MessagePackSerializationException>(() => Mp.Encode<string?, StringFormatter>("\ud800"));
    }

    [Fact]
    public void Exception_from_a_formatter_is_wrapped_with_the_position()
    {
        var ex = Assert.Throws<MessagePackSerializationException>(() => Mp.Decode<int, ThrowingFormatter>(Hex.Parse("0102")));

        Assert.Equal(1, ex.Offset);
        Assert.IsType<ArgumentException>(ex.InnerException);
        Assert.Contains("Int32", ex.Message, StringComparison.Ordinal);
    }

    private static byte[] NestedArrays(int depth)
    {
        var bytes = new byte[depth];
        Array.Fill(bytes, (byte)0x91);
        bytes[^1] = 0x90;
        return bytes;
    }

    private static byte[] NestedMaps(int depth)
    {
        // {0: {0: ... {} }}
        var bytes = new List<byte>();
        for (int i = 0; i < depth - 1; i++)
        {
            bytes.Add(0x81);
            bytes.Add(0x00);
        }

        bytes.Add(0x80);
        return [.. bytes];
    }

    internal sealed class Node
    {
        public List<Node?> Children { get; init; } = [];
    }

    /// <summary>A recursive type: nesting depth comes from the data, so the limit is what stops it.</summary>
    internal readonly struct NodeFormatter : IMessagePackFormatter<Node?>
    {
        public void Serialize(ref MessagePackWriter writer, Node? value) =>
            default(ListFormatter<Node?, NodeFormatter>).Serialize(ref writer, value?.Children);

        public Node? Deserialize(ref MessagePackReader reader)
        {
            List<Node?>? children = default(ListFormatter<Node?, NodeFormatter>).Deserialize(ref reader);
            return children is null ? null : new Node { Children = children };
        }
    }

    /// <summary>Reads one byte, then fails the way a validating constructor would.</summary>
    internal readonly struct ThrowingFormatter : IMessagePackFormatter<int>
    {
        public void Serialize(ref MessagePackWriter writer, int value) => writer.Write(value);

        public int Deserialize(ref MessagePackReader reader)
        {
            reader.ReadInt32();
            throw new ArgumentException("rejected");
        }
    }
}
