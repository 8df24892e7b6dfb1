using MeshHost.MessagePack.Formatters;
using MeshHost.MessagePack.Tests.Support;

namespace MeshHost.MessagePack.Tests;

/// <summary>The reader's own API: peeking, positions, nil handling, raw access and depth tracking.</summary>
public sealed class ReaderTests
{
    [Fact]
    public void NextType_names_the_family_of_every_first_byte()
    {
        for (int code = 0; code <= 0xff; code++)
        {
            MessagePackType expected = code switch
            {
                <= 0x7f or >= 0xe0 or (>= 0xcc and <= 0xd3) => MessagePackType.Integer,
                <= 0x8f or 0xde or 0xdf => MessagePackType.Map,
                <= 0x9f or 0xdc or 0xdd => MessagePackType.Array,
                <= 0xbf or 0xd9 or 0xda or 0xdb => MessagePackType.String,
                0xc0 => MessagePackType.Nil,
                0xc2 or 0xc3 => MessagePackType.Boolean,
                0xc4 or 0xc5 or 0xc6 => MessagePackType.Binary,
                0xca or 0xcb => MessagePackType.Float,
                (>= 0xc7 and <= 0xc9) or (>= 0xd4 and <= 0xd8) => MessagePackType.Extension,
                _ => MessagePackType.Unknown, // 0xc1
            };

            var reader = new MessagePackReader([(byte)code]);
            Assert.Equal(expected, reader.NextType);
            Assert.Equal(code, reader.NextCode);
            Assert.Equal(0, reader.Position);
        }
    }

    [Fact]
    public void Empty_input_is_at_the_end_and_reading_it_fails_at_offset_0()
    {
        var reader = new MessagePackReader([]);
        Assert.True(reader.End);
        Assert.Equal(0, reader.Remaining);
        Assert.Equal(MessagePackType.Unknown, reader.NextType);
        Assert.False(reader.TryReadNil());

        Assert.Equal(0, Mp.ReadFails([], (ref MessagePackReader r) => _ = r.NextCode).Offset);
        Assert.Equal(0, Mp.ReadFails([], (ref MessagePackReader r) => r.Skip()).Offset);
        Assert.Throws<MessagePackSerializationException>(() => Mp.Decode<int, Int32Formatter>([]));
    }

    [Fact]
    public void Position_Remaining_and_End_follow_the_reads()
    {
        var reader = new MessagePackReader(Hex.Parse("92cd0102a161"));
        Assert.Equal((0, 6, false), (reader.Position, reader.Remaining, reader.End));
        Assert.Equal(2, reader.ReadArrayHeader());
        Assert.Equal(258, reader.ReadInt32());
        Assert.Equal((4, 2, false), (reader.Position, reader.Remaining, reader.End));
        Assert.Equal("a", reader.ReadString());
        Assert.Equal((6, 0, true), (reader.Position, reader.Remaining, reader.End));
    }

    [Fact]
    public void TryReadNil_consumes_only_nil()
    {
        var reader = new MessagePackReader(Hex.Parse("c001"));
        Assert.True(reader.TryReadNil());
        Assert.False(reader.TryReadNil());
        Assert.Equal(1, reader.Position);
        Assert.Equal(1, reader.ReadInt32());
    }

    [Fact]
    public void Nil_reads_as_null_for_strings_and_bytes_and_empty_bin_as_empty_array()
    {
        var reader = new MessagePackReader(Hex.Parse("c0c0c400a0"));
        Assert.Null(reader.ReadString());
        Assert.Null(reader.ReadBytes());
        Assert.Empty(reader.ReadBytes()!);
        Assert.Equal("", reader.ReadString());
    }

    [Fact]
    public void ReadStringSpan_gives_the_raw_bytes_without_validating_them()
    {
        byte[] input = Hex.Parse("a2c328");
        var reader = new MessagePackReader(input);
        Assert.Equal("c328", Hex.Of(reader.ReadStringSpan()));
        Assert.True(reader.End);
    }

    [Fact]
    public void ReadRaw_and_ReadRawValue_slice_the_input()
    {
        var reader = new MessagePackReader(Hex.Parse("93 01 92 a161 c0 c3"));
        Assert.Equal("93", Hex.Of(reader.ReadRaw(1)));
        Assert.Equal("01", Hex.Of(reader.ReadRawValue()));
        Assert.Equal("92a161c0", Hex.Of(reader.ReadRawValue()));
        Assert.Equal("c3", Hex.Of(reader.ReadRawValue()));
        Assert.True(reader.End);

        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var r = new MessagePackReader([1]);
            r.ReadRaw(-1);
        });
        Assert.Equal(0, Mp.ReadFails([1], (ref MessagePackReader r) => r.ReadRaw(2)).Offset);
    }

    [Fact]
    public void EnterNested_and_LeaveNested_track_the_depth()
    {
        var reader = new MessagePackReader([0xc0], new MessagePackSerializerOptions { MaxDepth = 2 });
        Assert.Equal(0, reader.Depth);
        reader.EnterNested();
        reader.EnterNested();
        Assert.Equal(2, reader.Depth);
        reader.LeaveNested();
        Assert.Equal(1, reader.Depth);
        reader.EnterNested();

        var ex = Mp.ReadFails([0xc0], (ref MessagePackReader r) =>
        {
            r.EnterNested();
            r.EnterNested();
            r.EnterNested();
        }, new MessagePackSerializerOptions { MaxDepth = 2 });
        Assert.Contains("limit of 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateError_points_at_the_current_position()
    {
        var reader = new MessagePackReader(Hex.Parse("0102"));
        reader.ReadInt32();
        MessagePackSerializationException ex = reader.CreateError("bad member");
        Assert.Equal(1, ex.Offset);
        Assert.Equal("bad member (at byte offset 1)", ex.Message);
    }

    [Fact]
    public void Exception_without_a_position_has_offset_minus_1()
    {
        var plain = new MessagePackSerializationException("oops");
        Assert.Equal(-1, plain.Offset);
        Assert.Equal("oops", plain.Message);

        var wrapped = new MessagePackSerializationException("outer", new InvalidOperationException("inner"));
        Assert.Equal(-1, wrapped.Offset);
        Assert.IsType<InvalidOperationException>(wrapped.InnerException);
    }

    [Fact]
    public void Skip_handles_every_fixed_width_payload()
    {
        byte[] input = Hex.Parse("cc01 cd0102 ce01020304 cf0102030405060708 d001 d10102 d201020304 d30102030405060708 ca01020304 cb0102030405060708 c0 c2 c3 7f e0");
        var reader = new MessagePackReader(input);
        int values = 0;
        while (!reader.End)
        {
            reader.Skip();
            values++;
        }

        Assert.Equal(15, values);
    }
}
