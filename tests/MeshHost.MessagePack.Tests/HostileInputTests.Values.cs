using MeshHost.MessagePack.Formatters;
using MeshHost.MessagePack.Tests.Support;

namespace MeshHost.MessagePack.Tests;

/// <summary>Well-framed values that are still wrong: out of range, of the wrong type, duplicated or malformed.</summary>
public sealed partial class HostileInputTests
{
    public static TheoryData<string, string> Overflows => new()
    {
        { "sbyte", "cc80" },
        { "sbyte", "d1ff7f" },
        { "byte", "cd0100" },
        { "byte", "ff" },
        { "Int16", "cd8000" },
        { "Int16", "d2ffff7fff" },
        { "UInt16", "ce00010000" },
        { "UInt16", "ff" },
        { "Int32", "ce80000000" },
        { "Int32", "d3ffffffff7fffffff" },
        { "UInt32", "cf0000000100000000" },
        { "UInt32", "e0" },
        { "Int64", "cf8000000000000000" },
        { "UInt64", "ff" },
        { "UInt64", "d38000000000000000" },
        { "char", "ce00010000" },
        { "enum", "cd0100" },
    };

    [Theory]
    [MemberData(nameof(Overflows))]
    public void Integer_that_does_not_fit_the_target_type_is_refused(string type, string hex)
    {
        byte[] input = Hex.Parse("91" + hex);
        ReadAction read = type switch
        {
            "sbyte" => (ref MessagePackReader r) => r.ReadSByte(),
            "byte" => (ref MessagePackReader r) => r.ReadByte(),
            "Int16" => (ref MessagePackReader r) => r.ReadInt16(),
            "UInt16" => (ref MessagePackReader r) => r.ReadUInt16(),
            "Int32" => (ref MessagePackReader r) => r.ReadInt32(),
            "UInt32" => (ref MessagePackReader r) => r.ReadUInt32(),
            "Int64" => (ref MessagePackReader r) => r.ReadInt64(),
            "UInt64" => (ref MessagePackReader r) => r.ReadUInt64(),
            "char" => (ref MessagePackReader r) => r.ReadChar(),
            _ => (ref MessagePackReader r) => default(EnumFormatter<FormatterTests.Tiny, byte, ByteFormatter>).Deserialize(ref r),
        };

        var ex = Mp.ReadFails(input, (ref MessagePackReader r) =>
        {
            r.ReadArrayHeader();
            read(ref r);
        });

        Assert.Equal(1, ex.Offset);
        Assert.Contains("does not fit", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> WrongTypes => new()
    {
        // what is read, the input, what the message says was expected
        { "string", "01", "Expected string but found an integer (0x01)" },
        { "binary", "a161", "Expected binary but found a string (0xa1)" },
        { "boolean", "c0", "Expected boolean but found nil (0xc0)" },
        { "nil", "c2", "Expected nil but found a boolean (0xc2)" },
        { "integer", "c3", "Expected integer but found a boolean" },
        { "integer", "cb3ff0000000000000", "Expected integer but found a float (0xcb)" },
        { "float", "a0", "Expected float but found a string" },
        { "array", "80", "Expected array but found a map (0x80)" },
        { "map", "90", "Expected map but found an array (0x90)" },
        { "extension", "c400", "Expected extension but found binary (0xc4)" },
        { "timestamp", "d40501", "Expected a timestamp (extension type -1) but found extension type 5" },
        { "DateTime", "00", "Expected extension but found an integer" },
        { "tuple", "93010203", "A 2-tuple is an array of 2 elements, not 3" },
        { "DateTimeOffset", "91d6ff00000000", "A DateTimeOffset is an array of 2 elements" },
        { "Guid", "a0", "Expected binary but found a string" },
        { "decimal", "c403010203", "Expected string but found binary" },
        { "Int32 from nil", "c0", "Expected integer but found nil" },
    };

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public void Value_of_the_wrong_type_is_refused_with_what_was_expected(string what, string hex, string message)
    {
        ReadAction read = what switch
        {
            "string" => (ref MessagePackReader r) => r.ReadString(),
            "binary" => (ref MessagePackReader r) => r.ReadBytes(),
            "boolean" => (ref MessagePackReader r) => r.ReadBoolean(),
            "nil" => (ref MessagePackReader r) => r.ReadNil(),
            "integer" => (ref MessagePackReader r) => r.ReadInt64(),
            "float" => (ref MessagePackReader r) => r.ReadDouble(),
            "array" => (ref MessagePackReader r) => r.ReadArrayHeader(),
            "map" => (ref MessagePackReader r) => r.ReadMapHeader(),
            "extension" => (ref MessagePackReader r) => r.ReadExtensionHeader(),
            "timestamp" => (ref MessagePackReader r) => r.ReadTimestamp(out _, out _),
            "DateTime" => (ref MessagePackReader r) => r.ReadDateTime(),
            "tuple" => (ref MessagePackReader r) => default(ValueTupleFormatter<int, int, Int32Formatter, Int32Formatter>).Deserialize(ref r),
            "DateTimeOffset" => (ref MessagePackReader r) => default(DateTimeOffsetFormatter).Deserialize(ref r),
            "Guid" => (ref MessagePackReader r) => default(GuidFormatter).Deserialize(ref r),
            "decimal" => (ref MessagePackReader r) => default(DecimalFormatter).Deserialize(ref r),
            _ => (ref MessagePackReader r) => r.ReadInt32(),
        };

        var ex = Mp.ReadFails(Hex.Parse("c3" + hex), (ref MessagePackReader r) =>
        {
            r.ReadBoolean();
            read(ref r);
        });

        Assert.Equal(1, ex.Offset);
        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadTimestamps => new()
    {
        // 64-bit: nanoseconds 1,000,000,000 in the top 30 bits.
        { "64-bit nanoseconds 1e9", "d7ff" + (1_000_000_000UL << 34).ToString("x16", System.Globalization.CultureInfo.InvariantCulture) },
        { "64-bit nanoseconds max", "d7ffffffffff00000000" },
        { "96-bit nanoseconds 1e9", "c70cff3b9aca000000000000000000" },
        { "96-bit nanoseconds max", "c70cffffffffff0000000000000000" },
        { "length 0", "c700ff" },
        { "length 1", "d4ff00" },
        { "length 2", "d5ff0000" },
        { "length 16", "d8ff00000000000000000000000000000000" },
        { "length 5", "c705ff0000000000" },
        { "length 13 as ext16", "c8000dff" + "00000000000000000000000000" },
    };

    [Theory]
    [MemberData(nameof(BadTimestamps))]
    public void Malformed_timestamp_is_refused(string name, string hex)
    {
        byte[] input = Hex.Parse("9201" + hex);

        var timestamp = Mp.ReadFails(input, (ref MessagePackReader r) =>
        {
            r.ReadArrayHeader();
            r.ReadInt32();
            r.ReadTimestamp(out _, out _);
        });
        var dateTime = Mp.ReadFails(input, (ref MessagePackReader r) =>
        {
            r.ReadArrayHeader();
            r.ReadInt32();
            r.ReadDateTime();
        });

        Assert.Equal(2, timestamp.Offset);
        Assert.Equal(2, dateTime.Offset);
        Assert.True(
            timestamp.Message.Contains("nanoseconds", StringComparison.Ordinal) || timestamp.Message.Contains("4, 8 or 12 bytes", StringComparison.Ordinal),
            $"{name}: {timestamp.Message}");

        // Skipping does not interpret the payload, so a well-framed bad timestamp skips fine.
        var skipper = new MessagePackReader(input);
        skipper.Skip();
        Assert.True(skipper.End);
    }

    [Fact]
    public void Timestamp_outside_the_range_of_DateTime_is_refused_by_ReadDateTime_only()
    {
        byte[] beforeYear1 = Mp.Write((ref MessagePackWriter w) => w.WriteTimestamp(-62135596801, 0));
        byte[] afterYear9999 = Mp.Write((ref MessagePackWriter w) => w.WriteTimestamp(253402300800, 0));

        foreach (byte[] input in new[] { beforeYear1, afterYear9999 })
        {
            var ex = Mp.ReadFails(input, (ref MessagePackReader r) => r.ReadDateTime());
            Assert.Equal(0, ex.Offset);
            Assert.Contains("outside the range of DateTime", ex.Message, StringComparison.Ordinal);
            Mp.Read(input, (ref MessagePackReader r) =>
            {
                r.ReadTimestamp(out long seconds, out _);
                return seconds;
            });
        }
    }

    [Fact]
    public void Duplicate_map_keys_and_set_elements_are_refused()
    {
        var ex = Assert.Throws<MessagePackSerializationException>(
            () => Mp.Decode<Dictionary<string, List<long?>?>?, StringListMap>(Hex.Parse("83a161c0a162c0a161c0")));
        Assert.Equal(7, ex.Offset);
        Assert.Contains("same key twice", ex.Message, StringComparison.Ordinal);

        var intKeys = Mp.ReadFails(Hex.Parse("82cc8001cd008002"), (ref MessagePackReader r) =>
            default(DictionaryFormatter<int, int, Int32Formatter, Int32Formatter>).Deserialize(ref r));
        Assert.Equal(4, intKeys.Offset); // 128 written twice, the second time non-minimally

        var nilKey = Mp.ReadFails(Hex.Parse("82a161c0c0c0"), (ref MessagePackReader r) => default(StringListMap).Deserialize(ref r));
        Assert.Equal(4, nilKey.Offset);
        Assert.Contains("key is nil", nilKey.Message, StringComparison.Ordinal);

        var set = Mp.ReadFails(Hex.Parse("93010201"), (ref MessagePackReader r) =>
            default(HashSetFormatter<int, Int32Formatter>).Deserialize(ref r));
        Assert.Equal(3, set.Offset);
        Assert.Contains("same element twice", set.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(32)]
    public void Guid_of_the_wrong_length_is_refused(int length)
    {
        byte[] input = Hex.Concat("91c4" + length.ToString("x2", System.Globalization.CultureInfo.InvariantCulture), new byte[length]);

        var ex = Mp.ReadFails(input, (ref MessagePackReader r) => default(ArrayFormatter<Guid, GuidFormatter>).Deserialize(ref r));

        Assert.Equal(1, ex.Offset);
        Assert.Contains($"not {length}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DateTimeOffset_with_an_impossible_offset_or_range_is_refused()
    {
        // 15 hours is beyond what DateTimeOffset allows.
        var ex = Mp.ReadFails(Hex.Parse("92d6ff00000000cd0384"), (ref MessagePackReader r) => default(DateTimeOffsetFormatter).Deserialize(ref r));
        Assert.Equal(0, ex.Offset);
        Assert.Contains("beyond 14 hours", ex.Message, StringComparison.Ordinal);

        // Year 1 at -1 hour would be a local time before DateTime.MinValue.
        byte[] early = Mp.Write((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2);
            w.Write(DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc));
            w.Write(-60);
        });
        Assert.Contains("representable range", Mp.ReadFails(early, (ref MessagePackReader r) => default(DateTimeOffsetFormatter).Deserialize(ref r)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decimal_that_is_not_a_number_or_overflows_is_refused()
    {
        foreach (string text in new[] { "abc", "", "1e40", "79228162514264337593543950336", "1,5" })
        {
            byte[] input = Mp.Write((ref MessagePackWriter w) => w.WriteString(text));
            var ex = Mp.ReadFails(input, (ref MessagePackReader r) => default(DecimalFormatter).Deserialize(ref r));
            Assert.Equal(0, ex.Offset);
        }
    }
}
