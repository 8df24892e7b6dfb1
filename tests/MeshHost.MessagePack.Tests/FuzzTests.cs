using System.Diagnostics;
using System.Text;
using MeshHost.MessagePack.Formatters;
using MeshHost.MessagePack.Tests.Support;
using Xunit.Abstractions;

namespace MeshHost.MessagePack.Tests;

/// <summary>
/// Feeds random bytes and mutated valid encodings through several deserialization paths. Each
/// input must either parse or throw exactly <see cref="MessagePackSerializationException"/> with an
/// offset inside the input, and the managed memory allocated for an input must stay within a fixed
/// multiple of its length plus a constant, whatever lengths its headers declare.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261121;
    private const int RandomInputs = 30_000;
    private const int MutatedInputs = 90_000;

    // The typed paths pre-size collections from declared counts, which the reader checks against
    // the remaining bytes (an element needs at least one, a map entry two). So each path allocates
    // at most one slot per remaining byte: 38 bytes per input byte for the record map (76-byte
    // entries, two bytes each), 24 for the tuple array, 30 for the map of lists, about 13 for the
    // strings of the walk; under 128 together, and 256 leaves room. The constant covers one
    // exception (message and stack trace) per path and the small fixed allocations.
    private const long AllocationPerInputByte = 256;
    private const long AllocationConstant = 32 * 1024;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(150);

    private delegate void FuzzPath(byte[] input);

    [Fact]
    public async Task Random_and_mutated_inputs_parse_or_throw_MessagePackSerializationException_with_bounded_memory()
    {
        // One dedicated thread, so GetAllocatedBytesForCurrentThread sees only this work.
        Task<FuzzReport> run = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        FuzzReport report = await run.WaitAsync(Timeout);

        output.WriteLine(
            $"{report.Inputs} inputs ({RandomInputs} random, {MutatedInputs} mutated from {report.Seeds} seeds) x {Paths.Length} paths " +
            $"in {report.Elapsed.TotalSeconds:F1} s: {report.Parsed} parsed, {report.Rejected} rejected; " +
            $"largest allocation {report.MaxAllocated} bytes for a {report.MaxAllocatedInputLength}-byte input, " +
            $"at most {report.MaxBytesPerInputByte:F0} bytes per input byte for inputs of 256 bytes or more");

        Assert.True(report.Failures.Count == 0, string.Join("\n", report.Failures));
        Assert.True(report.Inputs >= 100_000);
        // Both outcomes must really occur, or the inputs are not exercising the parsers.
        Assert.True(report.Parsed > 1_000, $"only {report.Parsed} inputs parsed");
        Assert.True(report.Rejected > 100_000, $"only {report.Rejected} inputs rejected");
    }

    private static readonly (string Name, FuzzPath Run)[] Paths =
    [
        ("skip", SkipAll),
        ("walk", WalkAll),
        ("dictionary", input => Read<Dictionary<string, List<long?>?>?, StringListMap>(input)),
        ("tuples", input => Read<(string?, byte[]?, DateTime)[]?, TupleArray>(input)),
        ("records", input => Read<Dictionary<long, (Guid, decimal, DateTimeOffset, TimeSpan)>?, RecordMap>(input)),
    ];

    private static FuzzReport Run()
    {
        long started = Stopwatch.GetTimestamp();
        var random = new Random(Seed);
        List<byte[]> seeds = BuildSeeds(random);
        var report = new FuzzReport { Seeds = seeds.Count };

        // Warm up every path on every seed so that first-call costs (JIT, type loading) are not counted.
        foreach (byte[] seed in seeds)
        {
            Feed(seed, report, measure: false);
        }

        report.Parsed = report.Rejected = 0;
        for (int i = 0; i < RandomInputs; i++)
        {
            var input = new byte[random.Next(0, 65)];
            random.NextBytes(input);
            if (random.Next(3) == 0)
            {
                // Random bytes rarely start a container; bias some towards one so nesting is reached.
                input = [(byte)random.Next(0x80, 0xa0), .. input];
            }

            Feed(input, report, measure: true);
        }

        for (int i = 0; i < MutatedInputs; i++)
        {
            byte[] input = seeds[random.Next(seeds.Count)];
            int mutations = random.Next(1, 4);
            for (int m = 0; m < mutations; m++)
            {
                input = Mutate(input, seeds, random);
            }

            Feed(input, report, measure: true);
        }

        report.Elapsed = Stopwatch.GetElapsedTime(started);
        return report;
    }

    private static void Feed(byte[] input, FuzzReport report, bool measure)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach ((string name, FuzzPath path) in Paths)
        {
            try
            {
                path(input);
                report.Parsed++;
            }
            catch (MessagePackSerializationException ex)
            {
                report.Rejected++;
                if (ex.Offset < 0 || ex.Offset > input.Length || (ex.InnerException is not null and not DecoderFallbackException))
                {
                    report.Fail($"{name}: offset {ex.Offset} or inner {ex.InnerException?.GetType().Name} is wrong for {Hex.Of(input)}: {ex.Message}");
                }
            }
            catch (Exception ex)
            {
                report.Fail($"{name}: {ex.GetType().Name} escaped for {Hex.Of(input)}: {ex}");
            }
        }

        if (!measure)
        {
            return;
        }

        report.Inputs++;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > report.MaxAllocated)
        {
            report.MaxAllocated = allocated;
            report.MaxAllocatedInputLength = input.Length;
        }

        if (input.Length >= 256)
        {
            report.MaxBytesPerInputByte = Math.Max(report.MaxBytesPerInputByte, (double)allocated / input.Length);
        }

        if (allocated > (AllocationPerInputByte * input.Length) + AllocationConstant)
        {
            report.Fail($"{allocated} bytes allocated for the {input.Length}-byte input {Hex.Of(input)}");
        }
    }

    private static void SkipAll(byte[] input)
    {
        var reader = new MessagePackReader(input);
        Mp.SkipAll(ref reader);
    }

    private static void WalkAll(byte[] input)
    {
        var reader = new MessagePackReader(input);
        while (!reader.End)
        {
            Walk(ref reader);
        }
    }

    /// <summary>Reads every value with the typed reader API its first byte calls for (strings validated, timestamps interpreted).</summary>
    private static void Walk(ref MessagePackReader reader)
    {
        switch (reader.NextType)
        {
            case MessagePackType.Integer:
                if (reader.NextCode == 0xcf)
                {
                    reader.ReadUInt64();
                }
                else
                {
                    reader.ReadInt64();
                }

                break;
            case MessagePackType.Nil:
                reader.ReadNil();
                break;
            case MessagePackType.Boolean:
                reader.ReadBoolean();
                break;
            case MessagePackType.Float:
                reader.ReadDouble();
                break;
            case MessagePackType.String:
                reader.ReadString();
                break;
            case MessagePackType.Binary:
                reader.ReadBytes();
                break;
            case MessagePackType.Extension:
                // Peek at the type on a copy; the timestamp reader wants the header itself.
                MessagePackReader peek = reader;
                ExtensionHeader header = peek.ReadExtensionHeader();
                if (header.TypeCode == -1)
                {
                    reader.ReadDateTime();
                }
                else
                {
                    reader.ReadExtensionHeader();
                    reader.ReadRaw(header.Length);
                }

                break;
            case MessagePackType.Array:
                int count = reader.ReadArrayHeader();
                reader.EnterNested();
                for (int i = 0; i < count; i++)
                {
                    Walk(ref reader);
                }

                reader.LeaveNested();
                break;
            case MessagePackType.Map:
                int entries = reader.ReadMapHeader();
                reader.EnterNested();
                for (int i = 0; i < entries * 2; i++)
                {
                    Walk(ref reader);
                }

                reader.LeaveNested();
                break;
            default:
                reader.Skip(); // 0xc1 or the end: Skip reports it
                break;
        }
    }

    private static void Read<T, TFormatter>(byte[] input)
        where TFormatter : struct, IMessagePackFormatter<T>
    {
        // Directly on a reader: MessagePackSerializer would wrap a stray exception and hide it.
        var reader = new MessagePackReader(input);
        default(TFormatter).Deserialize(ref reader);
    }

    private static List<byte[]> BuildSeeds(Random random)
    {
        var seeds = new List<byte[]>();
        for (int i = 0; i < 12; i++)
        {
            var map = new Dictionary<string, List<long?>?>();
            for (int k = random.Next(0, 20); k > 0; k--)
            {
                List<long?>? list = random.Next(5) == 0 ? null : [];
                for (int e = random.Next(0, 10); list is not null && e > 0; e--)
                {
                    list.Add(random.Next(6) == 0 ? null : RandomInteger(random));
                }

                map[RandomText(random)] = list;
            }

            seeds.Add(Mp.Encode<Dictionary<string, List<long?>?>?, StringListMap>(map));

            var tuples = new (string?, byte[]?, DateTime)[random.Next(0, 8)];
            for (int t = 0; t < tuples.Length; t++)
            {
                byte[] bytes = new byte[random.Next(0, 40)];
                random.NextBytes(bytes);
                var when = new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
                tuples[t] = (random.Next(4) == 0 ? null : RandomText(random), random.Next(4) == 0 ? null : bytes, when);
            }

            seeds.Add(Mp.Encode<(string?, byte[]?, DateTime)[]?, TupleArray>(tuples));

            var records = new Dictionary<long, (Guid, decimal, DateTimeOffset, TimeSpan)>();
            for (int r = random.Next(0, 6); r > 0; r--)
            {
                var offset = TimeSpan.FromMinutes(random.Next(-14 * 60, (14 * 60) + 1));
                var local = new DateTime(random.NextInt64(DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay));
                var guid = new byte[16];
                random.NextBytes(guid);
                records[RandomInteger(random)] = (
                    new Guid(guid),
                    new decimal(random.Next(), random.Next(), random.Next(), random.Next(2) == 0, (byte)random.Next(29)),
                    new DateTimeOffset(local, offset),
                    TimeSpan.FromTicks(RandomInteger(random)));
            }

            seeds.Add(Mp.Encode<Dictionary<long, (Guid, decimal, DateTimeOffset, TimeSpan)>?, RecordMap>(records));
        }

        // Every format family, including extensions, floats and deep nesting.
        foreach (Vector vector in Vectors.All)
        {
            if (vector.Bytes.Length <= 400)
            {
                seeds.Add(vector.Bytes);
            }
        }

        seeds.Add(Mp.Write((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(8);
            w.WriteMapHeader(2);
            w.WriteString("\u00e9t\u00e9 \U0001F600");
            w.Write(1.5f);
            w.Write(-129);
            w.WriteTimestamp(-1, 5);
            w.WriteExtensionHeader(new ExtensionHeader(7, 3));
            w.WriteRaw([1, 2, 3]);
            w.WriteBinary(new byte[300]);
            w.Write(ulong.MaxValue);
            w.Write(double.NaN);
            w.Write(DateTime.UnixEpoch);
            for (int d = 0; d < 60; d++)
            {
                w.WriteArrayHeader(1);
            }

            w.WriteNil();
            w.WriteString(new string('x', 40));
        }));
        return seeds;
    }

    private static byte[] Mutate(byte[] input, List<byte[]> seeds, Random random)
    {
        var bytes = new List<byte>(input);
        switch (random.Next(7))
        {
            case 0 when bytes.Count > 0: // flip one bit
                int flip = random.Next(bytes.Count);
                bytes[flip] ^= (byte)(1 << random.Next(8));
                break;
            case 1: // insert a random byte
                bytes.Insert(random.Next(bytes.Count + 1), (byte)random.Next(256));
                break;
            case 2 when bytes.Count > 0: // delete a byte
                bytes.RemoveAt(random.Next(bytes.Count));
                break;
            case 3 when bytes.Count > 0: // truncate
                int cut = random.Next(bytes.Count);
                bytes.RemoveRange(cut, bytes.Count - cut);
                break;
            case 4: // splice: this input's head, another seed's tail
                byte[] other = seeds[random.Next(seeds.Count)];
                int head = random.Next(bytes.Count + 1);
                int tail = random.Next(other.Length + 1);
                bytes.RemoveRange(head, bytes.Count - head);
                bytes.AddRange(other.AsSpan(tail).ToArray());
                break;
            case 5: // inflate a length or count field
                Inflate(bytes, random);
                break;
            default: // overwrite a byte with an interesting code
                if (bytes.Count > 0)
                {
                    byte[] codes = [0xc1, 0xc0, 0xdd, 0xdf, 0xdb, 0xc6, 0xc9, 0xd7, 0xff, 0x9f, 0x8f, 0xbf, 0xcf, 0xd3];
                    bytes[random.Next(bytes.Count)] = codes[random.Next(codes.Length)];
                }

                break;
        }

        return [.. bytes];
    }

    /// <summary>Finds a header with a length or count and makes it claim far more than follows.</summary>
    private static void Inflate(List<byte> bytes, Random random)
    {
        int start = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
        for (int i = 0; i < bytes.Count; i++)
        {
            int at = (start + i) % bytes.Count;
            byte code = bytes[at];
            int fieldLength = code switch
            {
                0xc4 or 0xc7 or 0xd9 => 1,
                0xc5 or 0xc8 or 0xda or 0xdc or 0xde => 2,
                0xc6 or 0xc9 or 0xdb or 0xdd or 0xdf => 4,
                _ => 0,
            };
            if (fieldLength > 0 && at + fieldLength < bytes.Count)
            {
                uint[] claims = [uint.MaxValue, int.MaxValue, (uint)(bytes.Count - at), (uint)(bytes.Count - at + 1), 0x10000, 0xffff];
                uint claim = claims[random.Next(claims.Length)];
                for (int b = 0; b < fieldLength; b++)
                {
                    bytes[at + 1 + b] = (byte)(claim >> (8 * (fieldLength - 1 - b)));
                }

                return;
            }

            if (code is >= 0x80 and <= 0xbf)
            {
                bytes[at] = (byte)(code | (code >= 0xa0 ? 0x1f : 0x0f)); // fixmap, fixarray, fixstr at their maximum
                return;
            }
        }

        bytes.InsertRange(0, [0xdd, 0x7f, 0xff, 0xff, 0xff]);
    }

    private static long RandomInteger(Random random) => random.Next(4) switch
    {
        0 => random.Next(-40, 200),
        1 => random.Next(),
        2 => -random.NextInt64(),
        _ => random.NextInt64(),
    };

    private static string RandomText(Random random)
    {
        string[] pieces = ["a", "key", "\u00e9", "\u20ac", "\U0001F600", " ", "longer text "];
        var builder = new StringBuilder();
        for (int i = random.Next(0, 12); i > 0; i--)
        {
            builder.Append(pieces[random.Next(pieces.Length)]);
        }

        return builder.ToString();
    }

    private readonly struct TupleArray : IMessagePackFormatter<(string?, byte[]?, DateTime)[]?>
    {
        public void Serialize(ref MessagePackWriter writer, (string?, byte[]?, DateTime)[]? value) =>
            default(ArrayFormatter<(string?, byte[]?, DateTime), ValueTupleFormatter<string?, byte[]?, DateTime, StringFormatter, ByteArrayFormatter, DateTimeFormatter>>).Serialize(ref writer, value);

        public (string?, byte[]?, DateTime)[]? Deserialize(ref MessagePackReader reader) =>
            default(ArrayFormatter<(string?, byte[]?, DateTime), ValueTupleFormatter<string?, byte[]?, DateTime, StringFormatter, ByteArrayFormatter, DateTimeFormatter>>).Deserialize(ref reader);
    }

    private readonly struct RecordMap : IMessagePackFormatter<Dictionary<long, (Guid, decimal, DateTimeOffset, TimeSpan)>?>
    {
        public void Serialize(ref MessagePackWriter writer, Dictionary<long, (Guid, decimal, DateTimeOffset, TimeSpan)>? value) =>
            default(DictionaryFormatter<long, (Guid, decimal, DateTimeOffset, TimeSpan), Int64Formatter, RecordFormatter>).Serialize(ref writer, value);

        public Dictionary<long, (Guid, decimal, DateTimeOffset, TimeSpan)>? Deserialize(ref MessagePackReader reader) =>
            default(DictionaryFormatter<long, (Guid, decimal, DateTimeOffset, TimeSpan), Int64Formatter, RecordFormatter>).Deserialize(ref reader);
    }

    private readonly struct RecordFormatter : IMessagePackFormatter<(Guid, decimal, DateTimeOffset, TimeSpan)>
    {
        public void Serialize(ref MessagePackWriter writer, (Guid, decimal, DateTimeOffset, TimeSpan) value) =>
            default(ValueTupleFormatter<Guid, decimal, DateTimeOffset, TimeSpan, GuidFormatter, DecimalFormatter, DateTimeOffsetFormatter, TimeSpanFormatter>).Serialize(ref writer, value);

        public (Guid, decimal, DateTimeOffset, TimeSpan) Deserialize(ref MessagePackReader reader) =>
            default(ValueTupleFormatter<Guid, decimal, DateTimeOffset, TimeSpan, GuidFormatter, DecimalFormatter, DateTimeOffsetFormatter, TimeSpanFormatter>).Deserialize(ref reader);
    }

    private sealed class FuzzReport
    {
        private const int MaxFailuresKept = 20;

        public List<string> Failures { get; } = [];

        public int Seeds { get; init; }

        public int Inputs { get; set; }

        public long Parsed { get; set; }

        public long Rejected { get; set; }

        public long MaxAllocated { get; set; }

        public int MaxAllocatedInputLength { get; set; }

        public double MaxBytesPerInputByte { get; set; }

        public TimeSpan Elapsed { get; set; }

        public void Fail(string message)
        {
            if (Failures.Count < MaxFailuresKept)
            {
                Failures.Add(message);
            }
        }
    }
}
