using System.Buffers;
using MeshHost.MessagePack.Formatters;
using MeshHost.MessagePack.Tests.Support;

namespace MeshHost.MessagePack.Tests;

/// <summary>How the writer uses its <see cref="IBufferWriter{T}"/>: borrowed spans, Flush, and outputs that hand out little room.</summary>
public sealed class WriterBufferTests
{
    [Fact]
    public void GetSpan_and_Advance_put_raw_bytes_between_values()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);

        writer.Write(1);
        Span<byte> span = writer.GetSpan(3);
        Assert.True(span.Length >= 3);
        span[0] = 0xa1;
        span[1] = (byte)'x';
        writer.Advance(2);
        writer.Advance(0);
        writer.Write(true);
        writer.Flush();

        Assert.Equal("01a178c3", Hex.Of(output.WrittenSpan));
    }

    [Fact]
    public void Advance_past_the_borrowed_span_throws()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var writer = new MessagePackWriter(new ArrayBufferWriter<byte>());
            Span<byte> span = writer.GetSpan(4);
            writer.Advance(span.Length + 1);
        });
        Assert.Equal("count", ex.ParamName);

        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var writer = new MessagePackWriter(new ArrayBufferWriter<byte>());
            writer.GetSpan(4);
            writer.Advance(-1);
        });
    }

    [Fact]
    public void Nothing_reaches_the_output_before_Flush_and_Flush_is_idempotent()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);

        writer.WriteString("abc");
        Assert.Equal(0, output.WrittenCount);

        writer.Flush();
        Assert.Equal("a3616263", Hex.Of(output.WrittenSpan));

        writer.Flush();
        Assert.Equal(4, output.WrittenCount);

        // Writing after a flush appends, also after someone else wrote to the output in between.
        output.Write<byte>([0xc0]);
        writer.Write(false);
        writer.Flush();
        Assert.Equal("a3616263c0c2", Hex.Of(output.WrittenSpan));
    }

    [Fact]
    public void Flush_on_a_fresh_writer_writes_nothing()
    {
        var output = new SegmentedBufferWriter(new Random(1), maxExtra: 0);
        var writer = new MessagePackWriter(output);
        writer.Flush();

        Assert.Equal(0, output.GetSpanCalls);
        Assert.Empty(output.ToArray());
    }

    [Fact]
    public void Output_that_hands_out_barely_enough_room_gets_identical_bytes()
    {
        byte[] expected = WriteEverything(new ArrayBufferWriter<byte>());

        for (int seed = 0; seed < 8; seed++)
        {
            // Each span is only 0 to 6 bytes longer than asked, in a fresh array each time.
            var output = new SegmentedBufferWriter(new Random(seed), maxExtra: 6);
            byte[] actual = WriteEverything(output);

            Assert.Equal(expected.Length, actual.Length);
            Assert.Equal(expected, actual);
            Assert.True(output.SegmentCount > 100, $"only {output.SegmentCount} segments");
        }
    }

    [Fact]
    public void Output_that_hands_out_1_to_7_bytes_whatever_is_asked_still_gets_identical_bytes_for_what_fits()
    {
        // Single-byte values and raw payloads (copied in chunks) need no contiguous room.
        byte[] preEncoded = Hex.Repeat("dc012c", "01", 300); // an array16, copied as raw bytes
        WriteAction write = (ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(4);
            w.Write(true);
            w.WriteNil();
            w.Write(-5);
            w.WriteStringHeader(31);
            w.WriteRaw("abcdefghijklmnopqrstuvwxyz01234"u8);
            w.WriteRaw(preEncoded);
        };
        byte[] expected = Mp.Write(write);

        for (int seed = 0; seed < 8; seed++)
        {
            var stingy = new StingyBufferWriter(new Random(seed));
            var writer = new MessagePackWriter(stingy);
            write(ref writer);
            writer.Flush();

            Assert.Equal(expected, stingy.ToArray());
        }
    }

    [Fact]
    public void Output_that_hands_out_less_room_than_a_value_needs_is_reported_not_overrun()
    {
        // A float64 needs 9 contiguous bytes; an output that breaks the IBufferWriter contract by
        // offering fewer is an error of the output, reported instead of writing out of bounds.
        var ex = Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new MessagePackWriter(new StingyBufferWriter(new Random(3)));
            for (int i = 0; i < 10; i++)
            {
                writer.Write(1.5);
            }
        });
        Assert.Contains("smaller than requested", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multi_segment_sequence_reads_like_one_span()
    {
        byte[] bytes = WriteEverything(new ArrayBufferWriter<byte>());

        for (int seed = 0; seed < 4; seed++)
        {
            ReadOnlySequence<byte> sequence = Segment.Split(bytes, new Random(seed), maxChunk: seed + 1, withEmpty: seed % 2 == 0);
            Assert.False(sequence.IsSingleSegment);
            Assert.Equal(bytes.Length, sequence.Length);

            var fromSequence = new MessagePackReader(sequence);
            var fromSpan = new MessagePackReader(bytes);
            while (!fromSpan.End)
            {
                Assert.Equal(fromSpan.Position, fromSequence.Position);
                Assert.Equal(fromSpan.ReadRawValue().ToArray(), fromSequence.ReadRawValue().ToArray());
            }

            Assert.True(fromSequence.End);
        }

        var map = new Dictionary<string, List<long?>?> { ["k"] = [1, null, long.MinValue], ["\U0001F600"] = null };
        byte[] encoded = Mp.Encode<Dictionary<string, List<long?>?>?, StringListMap>(map);
        ReadOnlySequence<byte> oneByteSegments = Segment.Split(encoded, new Random(9), maxChunk: 1);
        Dictionary<string, List<long?>?>? back = MessagePackSerializer.Deserialize<Dictionary<string, List<long?>?>?, StringListMap>(oneByteSegments, default);
        Assert.Equal(map["k"], back!["k"]);
        Assert.Null(back["\U0001F600"]);

        Assert.Equal(5, MessagePackSerializer.Deserialize<int, Int32Formatter>(new ReadOnlySequence<byte>([5]), default));
    }

    [Fact]
    public void Error_offsets_in_a_multi_segment_sequence_count_from_its_start()
    {
        byte[] bytes = Hex.Parse("93 01 a2c3a9 a2c328"); // the second string is invalid UTF-8
        ReadOnlySequence<byte> sequence = Segment.Split(bytes, new Random(4), maxChunk: 2);

        var ex = Assert.Throws<MessagePackSerializationException>(
            () => MessagePackSerializer.Deserialize<string?[]?, ArrayFormatter<string?, StringFormatter>>(sequence, default));

        // The first element is an integer, not a string, at offset 1.
        Assert.Equal(1, ex.Offset);

        byte[] strings = Hex.Parse("92 a2c3a9 a2c328");
        var utf8 = Assert.Throws<MessagePackSerializationException>(
            () => MessagePackSerializer.Deserialize<string?[]?, ArrayFormatter<string?, StringFormatter>>(Segment.Split(strings, new Random(5), maxChunk: 2), default));
        Assert.Equal(4, utf8.Offset);
    }

    [Fact]
    public void Headers_reject_negative_lengths_and_timestamps_reject_nanoseconds_beyond_a_second()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Mp.Write((ref MessagePackWriter w) => w.WriteArrayHeader(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Mp.Write((ref MessagePackWriter w) => w.WriteMapHeader(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Mp.Write((ref MessagePackWriter w) => w.WriteStringHeader(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Mp.Write((ref MessagePackWriter w) => w.WriteBinaryHeader(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Mp.Write((ref MessagePackWriter w) => w.WriteExtensionHeader(new ExtensionHeader(1, -1))));
        Assert.Throws<ArgumentOutOfRangeException>(() => Mp.Write((ref MessagePackWriter w) => w.WriteTimestamp(0, 1_000_000_000)));
        Assert.Throws<ArgumentNullException>(() =>
        {
            _ = new MessagePackWriter(null!);
        });
    }

    [Fact]
    public void Headers_with_separately_written_payloads_match_the_one_call_forms()
    {
        byte[] payload = Vectors.Pattern(70_000);
        byte[] oneCall = Mp.Write((ref MessagePackWriter w) =>
        {
            w.WriteBinary(payload);
            w.WriteString("h\u00e9");
        });
        byte[] pieces = Mp.Write((ref MessagePackWriter w) =>
        {
            w.WriteBinaryHeader(payload.Length);
            w.WriteRaw(payload.AsSpan(0, 10));
            w.WriteRaw(payload.AsSpan(10));
            w.WriteStringHeader(3);
            w.WriteRaw("h\u00e9"u8);
        });
        byte[] utf8 = Mp.Write((ref MessagePackWriter w) =>
        {
            w.WriteBinary(payload);
            w.WriteString("h\u00e9"u8);
        });

        Assert.Equal(oneCall, pieces);
        Assert.Equal(oneCall, utf8);
        Assert.Equal("c0", Hex.Of(Mp.Write((ref MessagePackWriter w) => w.WriteString((string?)null))));
        Assert.Equal("a0", Hex.Of(Mp.Write((ref MessagePackWriter w) => w.WriteString(ReadOnlySpan<char>.Empty))));
    }

    /// <summary>Writes every family, with payloads large enough to cross many spans.</summary>
    private static byte[] WriteEverything(IBufferWriter<byte> output)
    {
        var writer = new MessagePackWriter(output);
        foreach (Vector vector in Vectors.All)
        {
            vector.Write(ref writer);
        }

        writer.WriteString(string.Concat(Enumerable.Repeat("\u00e9\U0001F600", 5000)));
        writer.Flush();

        return output switch
        {
            ArrayBufferWriter<byte> array => array.WrittenSpan.ToArray(),
            SegmentedBufferWriter segmented => segmented.ToArray(),
            _ => throw new ArgumentException("unknown output", nameof(output)),
        };
    }
}
