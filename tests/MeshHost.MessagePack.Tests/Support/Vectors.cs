using System.Text;

namespace MeshHost.MessagePack.Tests.Support;

/// <summary>One value, the exact bytes the specification gives for it, and how to write and read it.</summary>
internal sealed record Vector(string Name, byte[] Bytes, WriteAction Write, ReadFunc<object?> Read, object? Expected);

/// <summary>
/// The exact encodings of every format family at the boundaries where the writer must switch to
/// the next larger form. The hex is written out by hand from the specification, not produced by
/// our writer; the large payloads are built from a header and a repeated pattern.
/// </summary>
internal static class Vectors
{
    private static readonly Dictionary<string, Vector> ByName = Build();

    public static IEnumerable<Vector> All => ByName.Values;

    public static Vector Get(string name) => ByName[name];

    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (string name in ByName.Keys)
        {
            names.Add(name);
        }

        return names;
    }

    /// <summary>The vectors short enough to truncate at every position.</summary>
    public static TheoryData<string> SmallNames()
    {
        var names = new TheoryData<string>();
        foreach (Vector vector in ByName.Values)
        {
            if (vector.Bytes.Length <= 300)
            {
                names.Add(vector.Name);
            }
        }

        return names;
    }

    /// <summary>ASCII text of <paramref name="length"/> bytes, a-z repeated.</summary>
    public static string Text(int length)
    {
        var builder = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            builder.Append((char)('a' + (i % 26)));
        }

        return builder.ToString();
    }

    /// <summary><paramref name="length"/> bytes counting up from 1 (mod 256).</summary>
    public static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = unchecked((byte)(i + 1));
        }

        return bytes;
    }

    private static Dictionary<string, Vector> Build()
    {
        var vectors = new Dictionary<string, Vector>();
        void Add(string name, byte[] bytes, WriteAction write, ReadFunc<object?> read, object? expected) =>
            vectors.Add(name, new Vector(name, bytes, write, read, expected));

        Add("nil", Hex.Parse("c0"), (ref MessagePackWriter w) => w.WriteNil(), (ref MessagePackReader r) => { r.ReadNil(); return null; }, null);
        Add("false", Hex.Parse("c2"), (ref MessagePackWriter w) => w.Write(false), (ref MessagePackReader r) => r.ReadBoolean(), false);
        Add("true", Hex.Parse("c3"), (ref MessagePackWriter w) => w.Write(true), (ref MessagePackReader r) => r.ReadBoolean(), true);

        // Every integer through the widest signed API: the writer must still pick the smallest form.
        (long Value, string Hex)[] signed =
        [
            (0, "00"), (1, "01"), (127, "7f"), (128, "cc80"), (255, "ccff"), (256, "cd0100"),
            (65535, "cdffff"), (65536, "ce00010000"), (4294967295, "ceffffffff"),
            (4294967296, "cf0000000100000000"), (long.MaxValue, "cf7fffffffffffffff"),
            (-1, "ff"), (-32, "e0"), (-33, "d0df"), (-128, "d080"), (-129, "d1ff7f"),
            (-32768, "d18000"), (-32769, "d2ffff7fff"), (int.MinValue, "d280000000"),
            ((long)int.MinValue - 1, "d3ffffffff7fffffff"), (long.MinValue, "d38000000000000000"),
        ];
        foreach ((long value, string hex) in signed)
        {
            Add($"int64 {value}", Hex.Parse(hex), (ref MessagePackWriter w) => w.Write(value), (ref MessagePackReader r) => r.ReadInt64(), value);
        }

        (ulong Value, string Hex)[] unsigned =
        [
            (0, "00"), (127, "7f"), (128, "cc80"), (255, "ccff"), (256, "cd0100"), (65535, "cdffff"),
            (65536, "ce00010000"), (4294967295, "ceffffffff"), (4294967296, "cf0000000100000000"),
            (9223372036854775808, "cf8000000000000000"), (ulong.MaxValue, "cfffffffffffffffff"),
        ];
        foreach ((ulong value, string hex) in unsigned)
        {
            Add($"uint64 {value}", Hex.Parse(hex), (ref MessagePackWriter w) => w.Write(value), (ref MessagePackReader r) => r.ReadUInt64(), value);
        }

        // The narrower APIs at their own limits.
        Add("byte 255", Hex.Parse("ccff"), (ref MessagePackWriter w) => w.Write((byte)255), (ref MessagePackReader r) => r.ReadByte(), (byte)255);
        Add("sbyte -128", Hex.Parse("d080"), (ref MessagePackWriter w) => w.Write((sbyte)-128), (ref MessagePackReader r) => r.ReadSByte(), (sbyte)-128);
        Add("sbyte 127", Hex.Parse("7f"), (ref MessagePackWriter w) => w.Write((sbyte)127), (ref MessagePackReader r) => r.ReadSByte(), (sbyte)127);
        Add("int16 -32768", Hex.Parse("d18000"), (ref MessagePackWriter w) => w.Write(short.MinValue), (ref MessagePackReader r) => r.ReadInt16(), short.MinValue);
        Add("int16 32767", Hex.Parse("cd7fff"), (ref MessagePackWriter w) => w.Write(short.MaxValue), (ref MessagePackReader r) => r.ReadInt16(), short.MaxValue);
        Add("uint16 65535", Hex.Parse("cdffff"), (ref MessagePackWriter w) => w.Write(ushort.MaxValue), (ref MessagePackReader r) => r.ReadUInt16(), ushort.MaxValue);
        Add("int32 max", Hex.Parse("ce7fffffff"), (ref MessagePackWriter w) => w.Write(int.MaxValue), (ref MessagePackReader r) => r.ReadInt32(), int.MaxValue);
        Add("int32 min", Hex.Parse("d280000000"), (ref MessagePackWriter w) => w.Write(int.MinValue), (ref MessagePackReader r) => r.ReadInt32(), int.MinValue);
        Add("int32 -32", Hex.Parse("e0"), (ref MessagePackWriter w) => w.Write(-32), (ref MessagePackReader r) => r.ReadInt32(), -32);
        Add("uint32 max", Hex.Parse("ceffffffff"), (ref MessagePackWriter w) => w.Write(uint.MaxValue), (ref MessagePackReader r) => r.ReadUInt32(), uint.MaxValue);
        Add("char A", Hex.Parse("41"), (ref MessagePackWriter w) => w.Write('A'), (ref MessagePackReader r) => r.ReadChar(), 'A');
        Add("char e-acute", Hex.Parse("cce9"), (ref MessagePackWriter w) => w.Write('\u00e9'), (ref MessagePackReader r) => r.ReadChar(), '\u00e9');
        Add("char U+FFFF", Hex.Parse("cdffff"), (ref MessagePackWriter w) => w.Write('\uffff'), (ref MessagePackReader r) => r.ReadChar(), '\uffff');

        (float Value, string Name, string Hex)[] singles =
        [
            (1.5f, "1.5", "ca3fc00000"), (-0f, "-0", "ca80000000"), (float.MaxValue, "max", "ca7f7fffff"),
            (float.Epsilon, "epsilon", "ca00000001"), (float.PositiveInfinity, "+inf", "ca7f800000"),
            (float.NaN, "NaN", "caffc00000"),
        ];
        foreach ((float value, string name, string hex) in singles)
        {
            Add($"float32 {name}", Hex.Parse(hex), (ref MessagePackWriter w) => w.Write(value), (ref MessagePackReader r) => r.ReadSingle(), value);
        }

        (double Value, string Name, string Hex)[] doubles =
        [
            (1.5, "1.5", "cb3ff8000000000000"), (-0d, "-0", "cb8000000000000000"),
            (double.MaxValue, "max", "cb7fefffffffffffff"), (double.Epsilon, "epsilon", "cb0000000000000001"),
            (double.NegativeInfinity, "-inf", "cbfff0000000000000"), (0.1, "0.1", "cb3fb999999999999a"),
        ];
        foreach ((double value, string name, string hex) in doubles)
        {
            Add($"float64 {name}", Hex.Parse(hex), (ref MessagePackWriter w) => w.Write(value), (ref MessagePackReader r) => r.ReadDouble(), value);
        }

        // Strings: the form depends on the UTF-8 byte count.
        (int Length, string Header)[] stringSizes =
        [
            (0, "a0"), (1, "a1"), (31, "bf"), (32, "d920"), (255, "d9ff"), (256, "da0100"),
            (65535, "daffff"), (65536, "db00010000"),
        ];
        foreach ((int length, string header) in stringSizes)
        {
            string text = Text(length);
            Add($"str {length} bytes", Hex.Concat(header, Encoding.UTF8.GetBytes(text)),
                (ref MessagePackWriter w) => w.WriteString(text), (ref MessagePackReader r) => r.ReadString(), text);
        }

        (string Text, string Name, string Hex)[] utf8 =
        [
            ("\u00e9", "2-byte", "a2c3a9"), ("\u20ac", "3-byte", "a3e282ac"), ("\U0001F600", "4-byte", "a4f09f9880"),
            ("\0", "NUL", "a100"),
            // 16 characters but 32 UTF-8 bytes: the header counts bytes, so this is str8, not fixstr.
            (string.Concat(Enumerable.Repeat("\u00e9", 16)), "16 two-byte chars", "d920" + string.Concat(Enumerable.Repeat("c3a9", 16))),
        ];
        foreach ((string text, string name, string hex) in utf8)
        {
            Add($"str utf-8 {name}", Hex.Parse(hex), (ref MessagePackWriter w) => w.WriteString(text), (ref MessagePackReader r) => r.ReadString(), text);
        }

        (int Length, string Header)[] binSizes =
        [
            (0, "c400"), (1, "c401"), (255, "c4ff"), (256, "c50100"), (65535, "c5ffff"), (65536, "c600010000"),
        ];
        foreach ((int length, string header) in binSizes)
        {
            byte[] payload = Pattern(length);
            Add($"bin {length} bytes", Hex.Concat(header, payload),
                (ref MessagePackWriter w) => w.WriteBinary(payload), (ref MessagePackReader r) => r.ReadBytes(), payload);
        }

        (int Count, string Header)[] arraySizes =
        [
            (0, "90"), (1, "91"), (15, "9f"), (16, "dc0010"), (65535, "dcffff"), (65536, "dd00010000"),
        ];
        foreach ((int count, string header) in arraySizes)
        {
            Add($"array {count} elements", Hex.Repeat(header, "c0", count),
                (ref MessagePackWriter w) =>
                {
                    w.WriteArrayHeader(count);
                    for (int i = 0; i < count; i++)
                    {
                        w.WriteNil();
                    }
                },
                (ref MessagePackReader r) =>
                {
                    int n = r.ReadArrayHeader();
                    for (int i = 0; i < n; i++)
                    {
                        r.ReadNil();
                    }

                    return n;
                },
                count);
        }

        // Small maps hold distinct integer keys; the large ones repeat nil:nil, which the wire allows.
        Add("map 0 entries", Hex.Parse("80"), (ref MessagePackWriter w) => w.WriteMapHeader(0), (ref MessagePackReader r) => ReadIntKeyMap(ref r), 0);
        Add("map 15 entries", Hex.Parse("8f" + IntKeyPairs(15)), (ref MessagePackWriter w) => WriteIntKeyMap(ref w, 15), (ref MessagePackReader r) => ReadIntKeyMap(ref r), 15);
        Add("map 16 entries", Hex.Parse("de0010" + IntKeyPairs(16)), (ref MessagePackWriter w) => WriteIntKeyMap(ref w, 16), (ref MessagePackReader r) => ReadIntKeyMap(ref r), 16);
        foreach ((int count, string header) in new[] { (65535, "deffff"), (65536, "df00010000") })
        {
            Add($"map {count} entries", Hex.Repeat(header, "c0c0", count),
                (ref MessagePackWriter w) =>
                {
                    w.WriteMapHeader(count);
                    for (int i = 0; i < count * 2; i++)
                    {
                        w.WriteNil();
                    }
                },
                (ref MessagePackReader r) =>
                {
                    int n = r.ReadMapHeader();
                    for (int i = 0; i < n * 2; i++)
                    {
                        r.ReadNil();
                    }

                    return n;
                },
                count);
        }

        // Extensions: fixext for 1, 2, 4, 8 and 16 bytes, otherwise the smallest ext form.
        (int Length, sbyte Type, string Header)[] extSizes =
        [
            (1, 5, "d405"), (2, 5, "d505"), (4, 5, "d605"), (8, 5, "d705"), (16, 5, "d805"),
            (0, 5, "c70005"), (3, 5, "c70305"), (17, 5, "c71105"), (255, 5, "c7ff05"),
            (256, 5, "c8010005"), (65535, 5, "c8ffff05"), (65536, 5, "c90001000005"),
            (1, 127, "d47f"), (1, -128, "d480"), (2, 0, "d500"),
        ];
        foreach ((int length, sbyte type, string header) in extSizes)
        {
            byte[] payload = Pattern(length);
            Add($"ext type {type} {length} bytes", Hex.Concat(header, payload),
                (ref MessagePackWriter w) =>
                {
                    w.WriteExtensionHeader(new ExtensionHeader(type, length));
                    w.WriteRaw(payload);
                },
                (ref MessagePackReader r) =>
                {
                    ExtensionHeader h = r.ReadExtensionHeader();
                    return $"{h.TypeCode}:{Hex.Of(r.ReadRaw(h.Length))}";
                },
                $"{type}:{Hex.Of(payload)}");
        }

        // The timestamp extension (type -1) in its three sizes.
        (long Seconds, uint Nanoseconds, string Hex)[] timestamps =
        [
            (0, 0, "d6ff00000000"),
            (1704157445, 0, "d6ff65936105"),
            (4294967295, 0, "d6ffffffffff"),
            (4294967296, 0, "d7ff0000000100000000"),
            (1, 1, "d7ff0000000400000001"),
            (0, 999_999_999, "d7ffee6b27fc00000000"),
            (17179869183, 0, "d7ff00000003ffffffff"),
            (17179869183, 999_999_999, "d7ffee6b27ffffffffff"),
            (17179869184, 0, "c70cff000000000000000400000000"),
            (-1, 0, "c70cff00000000ffffffffffffffff"),
            (-1, 999_999_900, "c70cff3b9ac99cffffffffffffffff"),
            (-62135596800, 0, "c70cff00000000fffffff1886e0900"),
            (long.MaxValue, 999_999_999, "c70cff3b9ac9ff7fffffffffffffff"),
            (long.MinValue, 0, "c70cff000000008000000000000000"),
        ];
        foreach ((long seconds, uint nanoseconds, string hex) in timestamps)
        {
            Add($"timestamp {seconds}s {nanoseconds}ns", Hex.Parse(hex),
                (ref MessagePackWriter w) => w.WriteTimestamp(seconds, nanoseconds),
                (ref MessagePackReader r) =>
                {
                    r.ReadTimestamp(out long s, out uint ns);
                    return (s, ns);
                },
                (seconds, nanoseconds));
        }

        (DateTime Value, string Name, string Hex)[] dates =
        [
            (DateTime.UnixEpoch, "epoch", "d6ff00000000"),
            (new DateTime(2024, 1, 2, 1, 4, 5, DateTimeKind.Utc), "2024", "d6ff65936105"),
            (new DateTime(2106, 2, 7, 6, 28, 15, DateTimeKind.Utc), "last 32-bit second", "d6ffffffffff"),
            (new DateTime(2106, 2, 7, 6, 28, 16, DateTimeKind.Utc), "first 64-bit second", "d7ff0000000100000000"),
            (DateTime.UnixEpoch.AddTicks(1), "epoch + 100 ns", "d7ff0000019000000000"),
            (DateTime.UnixEpoch.AddTicks(-1), "epoch - 100 ns", "c70cff3b9ac99cffffffffffffffff"),
            (DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc), "min", "c70cff00000000fffffff1886e0900"),
            (DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc), "max", "c70cff3b9ac99c0000003afff4417f"),
        ];
        foreach ((DateTime value, string name, string hex) in dates)
        {
            Add($"datetime {name}", Hex.Parse(hex), (ref MessagePackWriter w) => w.Write(value), (ref MessagePackReader r) => r.ReadDateTime(), value);
        }

        return vectors;
    }

    private static string IntKeyPairs(int count)
    {
        var builder = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            builder.Append($"{i:x2}c0");
        }

        return builder.ToString();
    }

    private static void WriteIntKeyMap(ref MessagePackWriter writer, int count)
    {
        writer.WriteMapHeader(count);
        for (int i = 0; i < count; i++)
        {
            writer.Write(i);
            writer.WriteNil();
        }
    }

    private static object ReadIntKeyMap(ref MessagePackReader reader)
    {
        int count = reader.ReadMapHeader();
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i, reader.ReadInt32());
            reader.ReadNil();
        }

        return count;
    }
}
