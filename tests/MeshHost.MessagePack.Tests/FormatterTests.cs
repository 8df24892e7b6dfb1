using MeshHost.MessagePack.Formatters;
using MeshHost.MessagePack.Tests.Support;

namespace MeshHost.MessagePack.Tests;

/// <summary>The built-in formatters: exact bytes for representative values and round trips at the limits.</summary>
public sealed class FormatterTests
{
    public enum Color
    {
        Red = 1,
        Blue = 300,
    }

    public enum Tiny : byte
    {
        Max = 255,
    }

    public enum Signed : long
    {
        Min = long.MinValue,
    }

    public enum Huge : ulong
    {
        Max = ulong.MaxValue,
    }

    [Fact]
    public void Primitive_formatters_round_trip_their_limits_in_the_smallest_form()
    {
        AssertEncodes<bool, BooleanFormatter>(true, "c3");
        AssertEncodes<byte, ByteFormatter>(byte.MaxValue, "ccff");
        AssertEncodes<byte, ByteFormatter>(0, "00");
        AssertEncodes<sbyte, SByteFormatter>(sbyte.MinValue, "d080");
        AssertEncodes<sbyte, SByteFormatter>(sbyte.MaxValue, "7f");
        AssertEncodes<short, Int16Formatter>(short.MinValue, "d18000");
        AssertEncodes<short, Int16Formatter>(short.MaxValue, "cd7fff");
        AssertEncodes<ushort, UInt16Formatter>(ushort.MaxValue, "cdffff");
        AssertEncodes<int, Int32Formatter>(int.MinValue, "d280000000");
        AssertEncodes<int, Int32Formatter>(int.MaxValue, "ce7fffffff");
        AssertEncodes<int, Int32Formatter>(-1, "ff");
        AssertEncodes<uint, UInt32Formatter>(uint.MaxValue, "ceffffffff");
        AssertEncodes<long, Int64Formatter>(long.MinValue, "d38000000000000000");
        AssertEncodes<long, Int64Formatter>(long.MaxValue, "cf7fffffffffffffff");
        AssertEncodes<ulong, UInt64Formatter>(ulong.MaxValue, "cfffffffffffffffff");
        AssertEncodes<float, SingleFormatter>(-2.5f, "cac0200000");
        AssertEncodes<double, DoubleFormatter>(-2.5, "cbc004000000000000");
        AssertEncodes<char, CharFormatter>('\u20ac', "cd20ac");
        AssertEncodes<char, CharFormatter>('\ud800', "cdd800"); // a lone surrogate is just a code unit here
    }

    [Fact]
    public void String_formatter_writes_utf8_and_nil_for_null()
    {
        AssertEncodes<string?, StringFormatter>(null, "c0");
        AssertEncodes<string?, StringFormatter>("", "a0");
        AssertEncodes<string?, StringFormatter>("h\u00e9llo \U0001F600", "ab68c3a96c6c6f20f09f9880");
    }

    [Fact]
    public void Binary_formatters_write_bin_and_read_copies()
    {
        AssertEncodes<byte[]?, ByteArrayFormatter>(null, "c0");
        AssertEncodes<byte[]?, ByteArrayFormatter>([], "c400");
        AssertEncodes<byte[]?, ByteArrayFormatter>([1, 2, 3], "c403010203");

        byte[] input = Hex.Parse("c403010203");
        ReadOnlyMemory<byte> memory = Mp.Decode<ReadOnlyMemory<byte>, ReadOnlyMemoryByteFormatter>(input);
        Assert.Equal([1, 2, 3], memory.ToArray());
        input[2] = 99; // the result must not alias the input buffer
        Assert.Equal([1, 2, 3], memory.ToArray());
        Assert.Equal("c403010203", Hex.Of(Mp.Encode<ReadOnlyMemory<byte>, ReadOnlyMemoryByteFormatter>(new byte[] { 1, 2, 3 })));
        Assert.True(Mp.Decode<ReadOnlyMemory<byte>, ReadOnlyMemoryByteFormatter>(Hex.Parse("c0")).IsEmpty);

        Memory<byte> writable = Mp.Decode<Memory<byte>, MemoryByteFormatter>(Hex.Parse("c40109"));
        Assert.Equal([9], writable.ToArray());
        Assert.Equal("c40109", Hex.Of(Mp.Encode<Memory<byte>, MemoryByteFormatter>(writable)));
        Assert.True(Mp.Decode<Memory<byte>, MemoryByteFormatter>(Hex.Parse("c0")).IsEmpty);
    }

    [Fact]
    public void Enum_formatter_writes_the_underlying_integer_and_keeps_unnamed_values()
    {
        AssertEncodes<Color, EnumFormatter<Color, int, Int32Formatter>>(Color.Blue, "cd012c");
        AssertEncodes<Color, EnumFormatter<Color, int, Int32Formatter>>((Color)(-7), "f9");
        AssertEncodes<Tiny, EnumFormatter<Tiny, byte, ByteFormatter>>(Tiny.Max, "ccff");
        AssertEncodes<Signed, EnumFormatter<Signed, long, Int64Formatter>>(Signed.Min, "d38000000000000000");
        AssertEncodes<Huge, EnumFormatter<Huge, ulong, UInt64Formatter>>(Huge.Max, "cfffffffffffffffff");
    }

    [Fact]
    public void Enum_formatter_rejects_an_underlying_type_of_another_size()
    {
        // Reinterpreting a 1-byte integer as a 4-byte enum would read past the integer.
        var ex = Assert.Throws<MessagePackSerializationException>(
            () => Mp.Decode<Color, EnumFormatter<Color, byte, ByteFormatter>>(Hex.Parse("01")));
        Assert.Contains("underlying", ex.Message, StringComparison.Ordinal);
        Assert.Throws<MessagePackSerializationException>(
            () => Mp.Encode<Tiny, EnumFormatter<Tiny, long, Int64Formatter>>(Tiny.Max));
    }

    [Fact]
    public void Nullable_formatter_writes_nil_or_the_value()
    {
        AssertEncodes<int?, NullableFormatter<int, Int32Formatter>>(null, "c0");
        AssertEncodes<int?, NullableFormatter<int, Int32Formatter>>(5, "05");
        AssertEncodes<DateTime?, NullableFormatter<DateTime, DateTimeFormatter>>(DateTime.UnixEpoch, "d6ff00000000");
    }

    [Fact]
    public void Array_formatter_writes_an_array_and_nil_for_null()
    {
        AssertEncodes<int[]?, ArrayFormatter<int, Int32Formatter>>(null, "c0");
        AssertEncodes<int[]?, ArrayFormatter<int, Int32Formatter>>([], "90");
        AssertEncodes<int[]?, ArrayFormatter<int, Int32Formatter>>([1, -1, 300], "9301ffcd012c");
        AssertEncodes<int[]?[]?, ArrayFormatter<int[]?, ArrayFormatter<int, Int32Formatter>>>([[1], []], "92910190");

        int[] large = Enumerable.Range(0, 70_000).ToArray();
        int[]? back = Mp.Decode<int[]?, ArrayFormatter<int, Int32Formatter>>(Mp.Encode<int[]?, ArrayFormatter<int, Int32Formatter>>(large));
        Assert.Equal(large, back);
    }

    [Fact]
    public void List_formatters_write_arrays()
    {
        AssertEncodes<List<string?>?, ListFormatter<string?, StringFormatter>>(null, "c0");
        AssertEncodes<List<string?>?, ListFormatter<string?, StringFormatter>>(["a", null, ""], "93a161c0a0");
        AssertEncodes<List<long?>?, ListFormatter<long?, NullableFormatter<long, Int64Formatter>>>([], "90");

        IList<int>? list = Mp.Decode<IList<int>?, InterfaceListFormatter<int, Int32Formatter>>(Hex.Parse("920102"));
        Assert.IsType<List<int>>(list);
        Assert.Equal([1, 2], list);
        Assert.Equal("920102", Hex.Of(Mp.Encode<IList<int>?, InterfaceListFormatter<int, Int32Formatter>>(new[] { 1, 2 })));
        Assert.Null(Mp.Decode<IList<int>?, InterfaceListFormatter<int, Int32Formatter>>(Hex.Parse("c0")));
        Assert.Equal("c0", Hex.Of(Mp.Encode<IList<int>?, InterfaceListFormatter<int, Int32Formatter>>(null)));

        IReadOnlyList<int>? readOnly = Mp.Decode<IReadOnlyList<int>?, ReadOnlyListFormatter<int, Int32Formatter>>(Hex.Parse("920102"));
        Assert.IsType<int[]>(readOnly);
        Assert.Equal([1, 2], readOnly);
        Assert.Equal("920102", Hex.Of(Mp.Encode<IReadOnlyList<int>?, ReadOnlyListFormatter<int, Int32Formatter>>(new List<int> { 1, 2 })));
        Assert.Null(Mp.Decode<IReadOnlyList<int>?, ReadOnlyListFormatter<int, Int32Formatter>>(Hex.Parse("c0")));
        Assert.Equal("c0", Hex.Of(Mp.Encode<IReadOnlyList<int>?, ReadOnlyListFormatter<int, Int32Formatter>>(null)));
    }

    [Fact]
    public void HashSet_formatter_writes_an_array()
    {
        AssertEncodes<HashSet<int>?, HashSetFormatter<int, Int32Formatter>>(null, "c0");
        HashSet<int>? set = Mp.Decode<HashSet<int>?, HashSetFormatter<int, Int32Formatter>>(Hex.Parse("93010203"));
        Assert.Equal([1, 2, 3], set!.Order());
        Assert.Equal("93010203", Hex.Of(Mp.Encode<HashSet<int>?, HashSetFormatter<int, Int32Formatter>>(set)));
    }

    [Fact]
    public void Dictionary_formatters_write_maps_in_enumeration_order()
    {
        var value = new Dictionary<string, int?> { ["b"] = 1, ["a"] = null };
        AssertEncodes<Dictionary<string, int?>?, DictionaryFormatter<string, int?, StringFormatter, NullableFormatter<int, Int32Formatter>>>(value, "82a16201a161c0");
        AssertEncodes<Dictionary<string, int?>?, DictionaryFormatter<string, int?, StringFormatter, NullableFormatter<int, Int32Formatter>>>(null, "c0");

        IReadOnlyDictionary<long, bool>? readOnly = Mp.Decode<IReadOnlyDictionary<long, bool>?, ReadOnlyDictionaryFormatter<long, bool, Int64Formatter, BooleanFormatter>>(Hex.Parse("82ffc3cc80c2"));
        Assert.Equal(new Dictionary<long, bool> { [-1] = true, [128] = false }, readOnly);
        Assert.Equal("82ffc3cc80c2", Hex.Of(Mp.Encode<IReadOnlyDictionary<long, bool>?, ReadOnlyDictionaryFormatter<long, bool, Int64Formatter, BooleanFormatter>>(readOnly)));
        Assert.Equal("c0", Hex.Of(Mp.Encode<IReadOnlyDictionary<long, bool>?, ReadOnlyDictionaryFormatter<long, bool, Int64Formatter, BooleanFormatter>>(null)));

        IDictionary<int, string?>? mutable = Mp.Decode<IDictionary<int, string?>?, InterfaceDictionaryFormatter<int, string?, Int32Formatter, StringFormatter>>(Hex.Parse("8101a178"));
        Assert.Equal("x", mutable![1]);
        Assert.Equal("8101a178", Hex.Of(Mp.Encode<IDictionary<int, string?>?, InterfaceDictionaryFormatter<int, string?, Int32Formatter, StringFormatter>>(mutable)));
        Assert.Null(Mp.Decode<IDictionary<int, string?>?, InterfaceDictionaryFormatter<int, string?, Int32Formatter, StringFormatter>>(Hex.Parse("c0")));
    }

    [Fact]
    public void Dictionary_whose_count_disagrees_with_its_entries_is_refused_on_write()
    {
        var liar = new LyingDictionary(reportedCount: 3, actualEntries: 2);

        var ex = Assert.Throws<MessagePackSerializationException>(
            () => Mp.Encode<IReadOnlyDictionary<int, int>?, ReadOnlyDictionaryFormatter<int, int, Int32Formatter, Int32Formatter>>(liar));
        Assert.Equal(-1, ex.Offset);

        var tooMany = new LyingDictionary(reportedCount: 1, actualEntries: 2);
        Assert.Throws<MessagePackSerializationException>(
            () => Mp.Encode<IReadOnlyDictionary<int, int>?, ReadOnlyDictionaryFormatter<int, int, Int32Formatter, Int32Formatter>>(tooMany));
    }

    [Fact]
    public void DateTime_formatter_writes_utc_timestamps_and_reads_utc()
    {
        var utc = new DateTime(2024, 1, 2, 1, 4, 5, DateTimeKind.Utc);
        AssertEncodes<DateTime, DateTimeFormatter>(utc, "d6ff65936105");

        // Unspecified is taken as UTC, not guessed; Local is converted.
        var unspecified = DateTime.SpecifyKind(utc, DateTimeKind.Unspecified);
        Assert.Equal("d6ff65936105", Hex.Of(Mp.Encode<DateTime, DateTimeFormatter>(unspecified)));
        DateTime local = utc.ToLocalTime();
        Assert.Equal("d6ff65936105", Hex.Of(Mp.Encode<DateTime, DateTimeFormatter>(local)));

        DateTime precise = utc.AddTicks(1234567);
        DateTime back = Mp.Decode<DateTime, DateTimeFormatter>(Mp.Encode<DateTime, DateTimeFormatter>(precise));
        Assert.Equal(precise.Ticks, back.Ticks);
        Assert.Equal(DateTimeKind.Utc, back.Kind);
    }

    [Fact]
    public void Timestamp_nanoseconds_below_100ns_are_truncated_by_DateTime_but_kept_by_ReadTimestamp()
    {
        byte[] bytes = Mp.Write((ref MessagePackWriter w) => w.WriteTimestamp(1, 999));

        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1).AddTicks(9), Mp.Decode<DateTime, DateTimeFormatter>(bytes));
        (long seconds, uint nanoseconds) = Mp.Read(bytes, (ref MessagePackReader r) =>
        {
            r.ReadTimestamp(out long s, out uint ns);
            return (s, ns);
        });
        Assert.Equal((1L, 999u), (seconds, nanoseconds));
    }

    [Fact]
    public void DateTimeOffset_formatter_writes_the_instant_and_the_offset_in_minutes()
    {
        var value = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(2));
        AssertEncodes<DateTimeOffset, DateTimeOffsetFormatter>(value, "92d6ff6593610578");

        var negative = new DateTimeOffset(2024, 1, 1, 20, 34, 5, TimeSpan.FromMinutes(-270));
        AssertEncodes<DateTimeOffset, DateTimeOffsetFormatter>(negative, "92d6ff65936105d1fef2");

        DateTimeOffset back = Mp.Decode<DateTimeOffset, DateTimeOffsetFormatter>(Mp.Encode<DateTimeOffset, DateTimeOffsetFormatter>(value));
        Assert.Equal(value.Offset, back.Offset);
        Assert.Equal(value.UtcTicks, back.UtcTicks);

        AssertRoundTrips<DateTimeOffset, DateTimeOffsetFormatter>(DateTimeOffset.MinValue);
        AssertRoundTrips<DateTimeOffset, DateTimeOffsetFormatter>(DateTimeOffset.MaxValue);
        AssertRoundTrips<DateTimeOffset, DateTimeOffsetFormatter>(new DateTimeOffset(DateTime.MaxValue.AddHours(-14), TimeSpan.FromHours(-14)));
    }

    [Fact]
    public void Guid_formatter_writes_16_bytes_in_rfc_order()
    {
        AssertEncodes<Guid, GuidFormatter>(new Guid("00112233-4455-6677-8899-aabbccddeeff"), "c41000112233445566778899aabbccddeeff");
        AssertEncodes<Guid, GuidFormatter>(Guid.Empty, "c41000000000000000000000000000000000");
    }

    [Fact]
    public void TimeSpan_formatter_writes_ticks()
    {
        AssertEncodes<TimeSpan, TimeSpanFormatter>(TimeSpan.FromSeconds(1), "ce00989680");
        AssertEncodes<TimeSpan, TimeSpanFormatter>(TimeSpan.MinValue, "d38000000000000000");
        AssertEncodes<TimeSpan, TimeSpanFormatter>(TimeSpan.FromTicks(-1), "ff");
    }

    [Fact]
    public void Decimal_formatter_writes_the_invariant_string()
    {
        AssertEncodes<decimal, DecimalFormatter>(12.50m, "a531322e3530");
        AssertEncodes<decimal, DecimalFormatter>(-0.0000000000000000000000000001m, "bf2d302e30303030303030303030303030303030303030303030303030303031");
        AssertRoundTrips<decimal, DecimalFormatter>(decimal.MaxValue);
        AssertRoundTrips<decimal, DecimalFormatter>(decimal.MinValue);

        // Other writers may use an exponent; it is accepted.
        Assert.Equal(1500m, Mp.Decode<decimal, DecimalFormatter>(Hex.Parse("a5312e354533")));
    }

    [Fact]
    public void Tuple_formatters_write_arrays_of_their_arity()
    {
        AssertEncodes<(int, string?), ValueTupleFormatter<int, string?, Int32Formatter, StringFormatter>>((1, "a"), "9201a161");
        AssertEncodes<(int, bool, double), ValueTupleFormatter<int, bool, double, Int32Formatter, BooleanFormatter, DoubleFormatter>>((1, true, 0.5), "9301c3cb3fe0000000000000");
        AssertEncodes<(byte, byte, byte, byte), ValueTupleFormatter<byte, byte, byte, byte, ByteFormatter, ByteFormatter, ByteFormatter, ByteFormatter>>((1, 2, 3, 4), "9401020304");

        AssertEncodes<Tuple<int, string?>?, TupleFormatter<int, string?, Int32Formatter, StringFormatter>>(null, "c0");
        Tuple<int, string?>? pair = Mp.Decode<Tuple<int, string?>?, TupleFormatter<int, string?, Int32Formatter, StringFormatter>>(Hex.Parse("9201a161"));
        Assert.Equal(Tuple.Create(1, (string?)"a"), pair);
        Assert.Equal("9201a161", Hex.Of(Mp.Encode<Tuple<int, string?>?, TupleFormatter<int, string?, Int32Formatter, StringFormatter>>(pair)));

        AssertEncodes<Tuple<int, int, int>?, TupleFormatter<int, int, int, Int32Formatter, Int32Formatter, Int32Formatter>>(Tuple.Create(1, 2, 3), "93010203");
        AssertEncodes<Tuple<int, int, int>?, TupleFormatter<int, int, int, Int32Formatter, Int32Formatter, Int32Formatter>>(null, "c0");
        AssertEncodes<Tuple<int, int, int, int>?, TupleFormatter<int, int, int, int, Int32Formatter, Int32Formatter, Int32Formatter, Int32Formatter>>(Tuple.Create(1, 2, 3, 4), "9401020304");
        AssertEncodes<Tuple<int, int, int, int>?, TupleFormatter<int, int, int, int, Int32Formatter, Int32Formatter, Int32Formatter, Int32Formatter>>(null, "c0");
    }

    [Fact]
    public void Nested_generic_formatters_compose()
    {
        var value = new Dictionary<string, List<long?>?>
        {
            ["primes"] = [2, 3, null, 5],
            ["none"] = null,
            ["big"] = [long.MinValue, long.MaxValue],
        };

        byte[] bytes = Mp.Encode<Dictionary<string, List<long?>?>?, DictionaryFormatter<string, List<long?>?, StringFormatter, ListFormatter<long?, NullableFormatter<long, Int64Formatter>>>>(value);
        Dictionary<string, List<long?>?>? back = Mp.Decode<Dictionary<string, List<long?>?>?, DictionaryFormatter<string, List<long?>?, StringFormatter, ListFormatter<long?, NullableFormatter<long, Int64Formatter>>>>(bytes);

        Assert.Equal(value.Keys, back!.Keys);
        Assert.Equal(value["primes"], back["primes"]);
        Assert.Null(back["none"]);
        Assert.Equal(value["big"], back["big"]);
        Assert.Equal("83a67072696d6573940203c005a46e6f6e65c0a362696792d38000000000000000cf7fffffffffffffff", Hex.Of(bytes));
    }

    [Fact]
    public void Readers_of_floats_accept_integers_and_the_other_width()
    {
        Assert.Equal(1.5f, Mp.Read(Hex.Parse("cb3ff8000000000000"), (ref MessagePackReader r) => r.ReadSingle()));
        Assert.Equal(1.5, Mp.Read(Hex.Parse("ca3fc00000"), (ref MessagePackReader r) => r.ReadDouble()));
        Assert.Equal(-5f, Mp.Read(Hex.Parse("fb"), (ref MessagePackReader r) => r.ReadSingle()));
        Assert.Equal(18446744073709551615d, Mp.Read(Hex.Parse("cfffffffffffffffff"), (ref MessagePackReader r) => r.ReadDouble()));
        Assert.Equal(18446744073709551615f, Mp.Read(Hex.Parse("cfffffffffffffffff"), (ref MessagePackReader r) => r.ReadSingle()));
        Assert.Equal(-9223372036854775808d, Mp.Read(Hex.Parse("d38000000000000000"), (ref MessagePackReader r) => r.ReadDouble()));
    }

    [Fact]
    public void Integer_readers_accept_any_encoding_whose_value_fits()
    {
        // A non-minimal encoding from another writer is still the same number.
        Assert.Equal(1, Mp.Read(Hex.Parse("cf0000000000000001"), (ref MessagePackReader r) => r.ReadInt32()));
        Assert.Equal((byte)1, Mp.Read(Hex.Parse("d30000000000000001"), (ref MessagePackReader r) => r.ReadByte()));
        Assert.Equal((sbyte)-1, Mp.Read(Hex.Parse("d2ffffffff"), (ref MessagePackReader r) => r.ReadSByte()));
        Assert.Equal(-1L, Mp.Read(Hex.Parse("d1ffff"), (ref MessagePackReader r) => r.ReadInt64()));
        Assert.Equal(255UL, Mp.Read(Hex.Parse("cd00ff"), (ref MessagePackReader r) => r.ReadUInt64()));
        Assert.Equal(ushort.MaxValue, Mp.Read(Hex.Parse("ce0000ffff"), (ref MessagePackReader r) => r.ReadUInt16()));
        Assert.Equal(uint.MaxValue, Mp.Read(Hex.Parse("cf00000000ffffffff"), (ref MessagePackReader r) => r.ReadUInt32()));
    }

    private static void AssertEncodes<T, TFormatter>(T value, string hex)
        where TFormatter : struct, IMessagePackFormatter<T>
    {
        Assert.Equal(hex, Hex.Of(Mp.Encode<T, TFormatter>(value)));
        T back = Mp.Decode<T, TFormatter>(Hex.Parse(hex));
        Assert.Equal(value, back);
    }

    private static void AssertRoundTrips<T, TFormatter>(T value)
        where TFormatter : struct, IMessagePackFormatter<T>
    {
        T back = Mp.Decode<T, TFormatter>(Mp.Encode<T, TFormatter>(value));
        Assert.Equal(value, back);
    }

    /// <summary>A dictionary whose Count disagrees with what it enumerates, as one modified concurrently might.</summary>
    private sealed class LyingDictionary(int reportedCount, int actualEntries) : IReadOnlyDictionary<int, int>
    {
        public int Count => reportedCount;

        public IEnumerable<int> Keys => Enumerable.Range(0, actualEntries);

        public IEnumerable<int> Values => Keys;

        public int this[int key] => key;

        public bool ContainsKey(int key) => key < actualEntries;

        public bool TryGetValue(int key, out int value)
        {
            value = key;
            return key < actualEntries;
        }

        public IEnumerator<KeyValuePair<int, int>> GetEnumerator()
        {
            for (int i = 0; i < actualEntries; i++)
            {
                yield return new KeyValuePair<int, int>(i, i);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
