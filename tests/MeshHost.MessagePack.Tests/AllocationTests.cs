using System.Buffers;
using MeshHost.MessagePack.Formatters;
using MeshHost.MessagePack.Tests.Support;

namespace MeshHost.MessagePack.Tests;

/// <summary>Serializing into a reused buffer allocates nothing; reading numbers and spans allocates nothing.</summary>
public sealed class AllocationTests
{
    private const int WarmUpIterations = 2_000;
    private const int MeasuredIterations = 10_000;

    private static readonly Sample Value = new(
        "alice", "lobby", "h\u00e9llo \U0001F600", 42, -70_000, long.MaxValue,
        new byte[] { 1, 2, 3, 4 }, Vectors.Pattern(300),
        new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(7), new Guid("00112233-4455-6677-8899-aabbccddeeff"), 12.5m);

    [Fact]
    public void Serializing_into_a_reused_ArrayBufferWriter_allocates_nothing()
    {
        var output = new ArrayBufferWriter<byte>(4096);
        long allocated = Measure(() =>
        {
            output.ResetWrittenCount();
            MessagePackSerializer.Serialize(output, Value, default(SampleFormatter));
        });

        Assert.Equal(0, allocated);
        Assert.Equal(Value, Mp.Decode<Sample, SampleFormatter>(output.WrittenSpan.ToArray()));
    }

    [Fact]
    public void Serializing_into_a_reused_PooledBufferWriter_allocates_nothing()
    {
        using var output = new PooledBufferWriter();
        long allocated = Measure(() =>
        {
            output.Clear();
            MessagePackSerializer.Serialize(output, Value, default(SampleFormatter));
        });

        Assert.Equal(0, allocated);
        Assert.Equal(Value, Mp.Decode<Sample, SampleFormatter>(output.WrittenSpan.ToArray()));
    }

    [Fact]
    public void Serializing_a_generated_style_type_with_the_one_argument_overload_allocates_nothing()
    {
        var point = new Point(3, "p\u00e9");
        var output = new ArrayBufferWriter<byte>(256);
        long allocated = Measure(() =>
        {
            output.ResetWrittenCount();
            MessagePackSerializer.Serialize(output, point);
        });

        Assert.Equal(0, allocated);
        Assert.Equal("9203a370c3a9", Hex.Of(output.WrittenSpan));
    }

    [Fact]
    public void Reading_numbers_spans_and_skipping_allocates_nothing()
    {
        byte[] bytes = Mp.Encode<Sample, SampleFormatter>(Value);
        long sum = 0;
        long allocated = Measure(() =>
        {
            var reader = new MessagePackReader(bytes);
            int count = reader.ReadArrayHeader();
            sum += count;
            sum += reader.ReadStringSpan().Length;
            reader.Skip();
            reader.Skip();
            sum += reader.ReadInt32() + reader.ReadInt32() + reader.ReadInt64();
            sum += reader.ReadBinarySpan().Length;
            reader.Skip();
            sum += reader.ReadDateTime().Ticks;
            reader.Skip();
            reader.Skip();
        });

        Assert.Equal(0, allocated);
        Assert.NotEqual(0, sum);
    }

    private static long Measure(Action action)
    {
        for (int i = 0; i < WarmUpIterations; i++)
        {
            action();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < MeasuredIterations; i++)
        {
            action();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    internal sealed record Sample(
        string Name, string Room, string Text, int Small, int Negative, long Large,
        byte[] Short, byte[] Long, DateTime When, Guid Id, decimal Amount)
    {
        public bool Equals(Sample? other) =>
            other is not null && Name == other.Name && Room == other.Room && Text == other.Text && Small == other.Small
            && Negative == other.Negative && Large == other.Large && Short.AsSpan().SequenceEqual(other.Short)
            && Long.AsSpan().SequenceEqual(other.Long) && When == other.When && Id == other.Id && Amount == other.Amount;

        public override int GetHashCode() => HashCode.Combine(Name, Small, When);
    }

    /// <summary>What generated code for <see cref="Sample"/> would do: an array of its members through the built-in formatters.</summary>
    internal readonly struct SampleFormatter : IMessagePackFormatter<Sample>
    {
        public void Serialize(ref MessagePackWriter writer, Sample value)
        {
            writer.WriteArrayHeader(11);
            writer.WriteString(value.Name);
            default(StringFormatter).Serialize(ref writer, value.Room);
            writer.WriteString(value.Text);
            writer.Write(value.Small);
            writer.Write(value.Negative);
            writer.Write(value.Large);
            default(ByteArrayFormatter).Serialize(ref writer, value.Short);
            default(ReadOnlyMemoryByteFormatter).Serialize(ref writer, value.Long);
            default(DateTimeFormatter).Serialize(ref writer, value.When);
            default(GuidFormatter).Serialize(ref writer, value.Id);
            default(DecimalFormatter).Serialize(ref writer, value.Amount);
        }

        public Sample Deserialize(ref MessagePackReader reader)
        {
            int start = reader.Position;
            if (reader.ReadArrayHeader() != 11)
            {
                throw new MessagePackSerializationException("A Sample has 11 members", start);
            }

            return new Sample(
                reader.ReadString()!, reader.ReadString()!, reader.ReadString()!, reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt64(),
                reader.ReadBytes()!, reader.ReadBytes()!, reader.ReadDateTime(), default(GuidFormatter).Deserialize(ref reader),
                default(DecimalFormatter).Deserialize(ref reader));
        }
    }
}
