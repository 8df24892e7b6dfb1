using System.Numerics;
using System.Text.Json.Nodes;
using MeshHost.MessagePack.Formatters;
using MeshHost.MessagePack.Tests.Support;
using Xunit.Abstractions;

namespace MeshHost.MessagePack.Tests;

/// <summary>
/// Our bytes against an independent implementation, Debian's python3-msgpack (the reference Python
/// library, with its C extension). For a broad corpus written by our writer and formatters, Python
/// must (a) decode our bytes to the value we meant and (b) encode that value, and its own decoding
/// of our bytes, to exactly our bytes: both sides must pick the same smallest forms.
/// </summary>
public sealed class PythonInteropTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Independent_implementation_decodes_our_bytes_and_encodes_the_values_identically()
    {
        List<(string Id, byte[] Bytes, JsonObject Tag)> corpus = BuildCorpus();
        var request = new JsonArray();
        foreach ((string id, byte[] bytes, JsonObject tag) in corpus)
        {
            request.Add(new JsonObject { ["id"] = id, ["hex"] = Hex.Of(bytes), ["value"] = tag });
        }

        JsonObject answer = await PythonMsgpack.CheckAsync(request);

        output.WriteLine($"{corpus.Count} values checked with {answer["implementation"]}");
        Assert.StartsWith("msgpack-python", (string?)answer["implementation"], StringComparison.Ordinal);
        JsonArray results = answer["results"]!.AsArray();
        Assert.Equal(corpus.Count, results.Count);

        var failures = new List<string>();
        for (int i = 0; i < corpus.Count; i++)
        {
            (string id, byte[] bytes, JsonObject tag) = corpus[i];
            JsonNode result = results[i]!;
            Assert.Equal(id, (string?)result["id"]);
            string ours = Hex.Of(bytes);

            if (result["error"] is JsonNode error)
            {
                failures.Add($"{id}: msgpack failed: {error}");
                continue;
            }

            if (!Tag.Matches(tag, result["decoded"]))
            {
                failures.Add($"{id}: msgpack decoded {Shorten(result["decoded"]?.ToJsonString())}, expected {Shorten(tag.ToJsonString())}");
            }

            if ((string?)result["reference"] != ours)
            {
                failures.Add($"{id}: msgpack encodes the value as {Shorten((string?)result["reference"])}, we wrote {Shorten(ours)}");
            }

            if ((string?)result["reencoded"] != ours)
            {
                failures.Add($"{id}: msgpack re-encodes our bytes as {Shorten((string?)result["reencoded"])}, we wrote {Shorten(ours)}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} disagreement(s):\n{string.Join('\n', failures.Take(40))}");
    }

    private static string Shorten(string? text) => text is null ? "null" : text.Length <= 160 ? text : $"{text[..160]}... ({text.Length} chars)";

    private static List<(string Id, byte[] Bytes, JsonObject Tag)> BuildCorpus()
    {
        var corpus = new List<(string Id, byte[] Bytes, JsonObject Tag)>();
        void Add<T, TFormatter>(string id, T value, JsonObject tag)
            where TFormatter : struct, IMessagePackFormatter<T>
            => corpus.Add((id, Mp.Encode<T, TFormatter>(value), tag));
        void AddWritten(string id, WriteAction write, JsonObject tag) => corpus.Add((id, Mp.Write(write), tag));

        Add<int?, NullableFormatter<int, Int32Formatter>>("nil", null, Tag.Nil());
        Add<bool, BooleanFormatter>("true", true, Tag.Bool(true));
        Add<bool, BooleanFormatter>("false", false, Tag.Bool(false));

        long[] signed =
        [
            0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, long.MaxValue,
            -1, -32, -33, -128, -129, -32768, -32769, int.MinValue, (long)int.MinValue - 1, long.MinValue,
        ];
        foreach (long value in signed)
        {
            Add<long, Int64Formatter>($"int64 {value}", value, Tag.Int(value));
        }

        foreach (ulong value in new ulong[] { 128, 65536, 4294967296, 9223372036854775808, ulong.MaxValue })
        {
            Add<ulong, UInt64Formatter>($"uint64 {value}", value, Tag.Int(value));
        }

        Add<sbyte, SByteFormatter>("sbyte min", sbyte.MinValue, Tag.Int(sbyte.MinValue));
        Add<byte, ByteFormatter>("byte max", byte.MaxValue, Tag.Int(byte.MaxValue));
        Add<short, Int16Formatter>("int16 min", short.MinValue, Tag.Int(short.MinValue));
        Add<short, Int16Formatter>("int16 max", short.MaxValue, Tag.Int(short.MaxValue));
        Add<ushort, UInt16Formatter>("uint16 max", ushort.MaxValue, Tag.Int(ushort.MaxValue));
        Add<int, Int32Formatter>("int32 min", int.MinValue, Tag.Int(int.MinValue));
        Add<int, Int32Formatter>("int32 max", int.MaxValue, Tag.Int(int.MaxValue));
        Add<uint, UInt32Formatter>("uint32 max", uint.MaxValue, Tag.Int(uint.MaxValue));
        Add<char, CharFormatter>("char max", char.MaxValue, Tag.Int(char.MaxValue));
        Add<FormatterTests.Color, EnumFormatter<FormatterTests.Color, int, Int32Formatter>>("enum", FormatterTests.Color.Blue, Tag.Int(300));
        Add<TimeSpan, TimeSpanFormatter>("timespan max", TimeSpan.MaxValue, Tag.Int(TimeSpan.MaxValue.Ticks));
        Add<TimeSpan, TimeSpanFormatter>("timespan -1 tick", TimeSpan.FromTicks(-1), Tag.Int(-1));

        double[] doubles =
        [
            0, -0d, 1.5, 0.1, -2.5e-300, double.MaxValue, double.MinValue, double.Epsilon,
            double.PositiveInfinity, double.NegativeInfinity, double.NaN,
        ];
        foreach (double value in doubles)
        {
            Add<double, DoubleFormatter>($"float64 {BitConverter.DoubleToInt64Bits(value):x16}", value, Tag.F64(value));
        }

        float[] singles = [0f, -0f, 1.5f, 0.1f, float.MaxValue, float.MinValue, float.Epsilon, float.PositiveInfinity, float.NaN];
        foreach (float value in singles)
        {
            Add<float, SingleFormatter>($"float32 {BitConverter.SingleToInt32Bits(value):x8}", value, Tag.F32(value));
        }

        foreach (int length in new[] { 0, 1, 31, 32, 255, 256, 65535, 65536 })
        {
            string text = Vectors.Text(length);
            Add<string?, StringFormatter>($"str {length} bytes", text, Tag.Str(text));
        }

        string[] texts =
        [
            "\u00e9", "\u20ac", "\U0001F600", "h\u00e9llo w\u00f6rld \u2713 \U0001F600", new string('\u20ac', 100), "\0",
            string.Concat(Enumerable.Repeat("\u00e9", 16)), string.Concat(Enumerable.Repeat("\U0001F600", 20000)),
        ];
        foreach (string text in texts)
        {
            Add<string?, StringFormatter>($"str utf-8 {text.Length} chars", text, Tag.Str(text));
        }

        foreach (int length in new[] { 0, 1, 255, 256, 65535, 65536 })
        {
            byte[] payload = Vectors.Pattern(length);
            Add<byte[]?, ByteArrayFormatter>($"bin {length} bytes", payload, Tag.Bin(payload));
        }

        Add<ReadOnlyMemory<byte>, ReadOnlyMemoryByteFormatter>("memory", Vectors.Pattern(10), Tag.Bin(Vectors.Pattern(10)));
        var guid = new Guid("00112233-4455-6677-8899-aabbccddeeff");
        Add<Guid, GuidFormatter>("guid", guid, Tag.Bin(guid.ToByteArray(bigEndian: true)));
        Add<decimal, DecimalFormatter>("decimal", -12.50m, Tag.Str("-12.50"));

        foreach (int count in new[] { 0, 1, 15, 16, 65535, 65536 })
        {
            int[] values = Enumerable.Range(0, count).Select(i => (i % 300) - 150).ToArray();
            Add<int[]?, ArrayFormatter<int, Int32Formatter>>($"array {count} elements", values, Tag.Array(values.Select(v => (JsonNode)Tag.Int(v))));
        }

        Add<List<string?>?, ListFormatter<string?, StringFormatter>>("list", ["a", null, ""], Tag.Array(Tag.Str("a"), Tag.Nil(), Tag.Str("")));
        Add<HashSet<int>?, HashSetFormatter<int, Int32Formatter>>("set", [3, 1, 200], Tag.Array(Tag.Int(3), Tag.Int(1), Tag.Int(200)));
        Add<int[]?[]?, ArrayFormatter<int[]?, ArrayFormatter<int, Int32Formatter>>>("nested arrays", [[1], [], null], Tag.Array(Tag.Array(Tag.Int(1)), Tag.Array(), Tag.Nil()));

        foreach (int count in new[] { 0, 1, 15, 16, 300 })
        {
            var map = new Dictionary<string, int>();
            for (int i = 0; i < count; i++)
            {
                map[$"k{i}"] = (i * 37) - 1000;
            }

            Add<Dictionary<string, int>?, DictionaryFormatter<string, int, StringFormatter, Int32Formatter>>(
                $"map {count} entries", map, Tag.Map(map.Select(p => ((JsonNode)Tag.Str(p.Key), (JsonNode)Tag.Int(p.Value)))));
        }

        var bigMap = new Dictionary<int, bool>();
        for (int i = 0; i < 65536; i++)
        {
            bigMap[i - 32768] = i % 3 == 0;
        }

        Add<Dictionary<int, bool>?, DictionaryFormatter<int, bool, Int32Formatter, BooleanFormatter>>(
            "map 65536 entries", bigMap, Tag.Map(bigMap.Select(p => ((JsonNode)Tag.Int(p.Key), (JsonNode)Tag.Bool(p.Value)))));

        var longKeys = new Dictionary<long, string?> { [-1] = null, [128] = "x", [long.MinValue] = "min" };
        Add<Dictionary<long, string?>?, DictionaryFormatter<long, string?, Int64Formatter, StringFormatter>>(
            "map long keys", longKeys, Tag.Map((Tag.Int(-1), Tag.Nil()), (Tag.Int(128), Tag.Str("x")), (Tag.Int(long.MinValue), Tag.Str("min"))));

        var composite = new Dictionary<string, List<long?>?> { ["primes"] = [2, 3, null, 5], ["none"] = null, ["big"] = [long.MinValue, long.MaxValue] };
        Add<Dictionary<string, List<long?>?>?, StringListMap>("dictionary of lists", composite, Tag.Map(
            (Tag.Str("primes"), Tag.Array(Tag.Int(2), Tag.Int(3), Tag.Nil(), Tag.Int(5))),
            (Tag.Str("none"), Tag.Nil()),
            (Tag.Str("big"), Tag.Array(Tag.Int(long.MinValue), Tag.Int(long.MaxValue)))));

        var when = new DateTime(2024, 1, 2, 1, 4, 5, DateTimeKind.Utc).AddTicks(1234567);
        (string?, byte[]?, DateTime)[] tuples = [("a", [1, 2], when), (null, null, DateTime.UnixEpoch)];
        Add<(string?, byte[]?, DateTime)[]?, ArrayFormatter<(string?, byte[]?, DateTime), ValueTupleFormatter<string?, byte[]?, DateTime, StringFormatter, ByteArrayFormatter, DateTimeFormatter>>>(
            "tuples", tuples, Tag.Array(
                Tag.Array(Tag.Str("a"), Tag.Bin([1, 2]), Tag.Timestamp(when)),
                Tag.Array(Tag.Nil(), Tag.Nil(), Tag.Timestamp(0, 0))));
        Add<Tuple<int, int, int, int>?, TupleFormatter<int, int, int, int, Int32Formatter, Int32Formatter, Int32Formatter, Int32Formatter>>(
            "tuple of 4", Tuple.Create(1, -1, 128, -129), Tag.Array(Tag.Int(1), Tag.Int(-1), Tag.Int(128), Tag.Int(-129)));

        var offset = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromMinutes(-270));
        Add<DateTimeOffset, DateTimeOffsetFormatter>("datetimeoffset", offset, Tag.Array(Tag.Timestamp(offset.UtcDateTime), Tag.Int(-270)));

        (int Length, sbyte Type)[] extensions =
        [
            (1, 5), (2, 5), (4, 5), (8, 5), (16, 5), (0, 5), (3, 5), (17, 5), (255, 5), (256, 5), (65535, 5), (65536, 5), (1, 127), (2, 0),
        ];
        foreach ((int length, sbyte type) in extensions)
        {
            byte[] payload = Vectors.Pattern(length);
            AddWritten($"ext type {type} {length} bytes", (ref MessagePackWriter w) =>
            {
                w.WriteExtensionHeader(new ExtensionHeader(type, length));
                w.WriteRaw(payload);
            }, Tag.Ext(type, payload));
        }

        (long Seconds, uint Nanoseconds)[] timestamps =
        [
            (0, 0), (1704157445, 0), (4294967295, 0), (4294967296, 0), (1, 1), (0, 999_999_999),
            (17179869183, 999_999_999), (17179869184, 0), (-1, 0), (-1, 999_999_999), (-62135596800, 0),
            (long.MaxValue, 999_999_999), (long.MinValue, 0),
        ];
        foreach ((long seconds, uint nanoseconds) in timestamps)
        {
            AddWritten($"timestamp {seconds}s {nanoseconds}ns", (ref MessagePackWriter w) => w.WriteTimestamp(seconds, nanoseconds), Tag.Timestamp(seconds, nanoseconds));
        }

        DateTime[] dates =
        [
            DateTime.UnixEpoch, when, new DateTime(2106, 2, 7, 6, 28, 15, DateTimeKind.Utc), new DateTime(2106, 2, 7, 6, 28, 16, DateTimeKind.Utc),
            DateTime.UnixEpoch.AddTicks(-1), DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc), DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc),
        ];
        foreach (DateTime date in dates)
        {
            Add<DateTime, DateTimeFormatter>($"datetime {date.Ticks}", date, Tag.Timestamp(date));
        }

        return corpus;
    }
}
