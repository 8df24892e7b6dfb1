using MeshHost.MessagePack.Tests.Support;

namespace MeshHost.MessagePack.Tests;

/// <summary><see cref="PooledBufferWriter"/>: growth keeps what was written, Clear reuses, Dispose ends use.</summary>
public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Growing_keeps_everything_written()
    {
        using var writer = new PooledBufferWriter(1);
        byte[] expected = Vectors.Pattern(100_000);
        int position = 0;
        var random = new Random(7);
        while (position < expected.Length)
        {
            int chunk = Math.Min(random.Next(1, 5000), expected.Length - position);
            Span<byte> span = writer.GetSpan(chunk);
            Assert.True(span.Length >= chunk);
            expected.AsSpan(position, chunk).CopyTo(span);
            writer.Advance(chunk);
            position += chunk;
        }

        Assert.Equal(expected.Length, writer.WrittenCount);
        Assert.Equal(expected, writer.WrittenSpan.ToArray());
        Assert.Equal(expected, writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void GetMemory_and_GetSpan_give_at_least_the_hint_and_at_least_one_byte()
    {
        using var writer = new PooledBufferWriter(16);
        Assert.True(writer.GetMemory().Length >= 1);
        Assert.True(writer.GetMemory(5000).Length >= 5000);
        Assert.True(writer.GetSpan(0).Length >= 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.GetSpan(-1));
    }

    [Fact]
    public void Clear_forgets_the_content_and_keeps_working()
    {
        using var writer = new PooledBufferWriter();
        MessagePackSerializer.Serialize(writer, 5, default(Formatters.Int32Formatter));
        writer.Clear();
        Assert.Equal(0, writer.WrittenCount);

        MessagePackSerializer.Serialize<string?, Formatters.StringFormatter>(writer, "x", default);
        Assert.Equal("a178", Hex.Of(writer.WrittenSpan));
    }

    [Fact]
    public void Advancing_past_the_buffer_or_backwards_throws()
    {
        using var writer = new PooledBufferWriter(16);
        int length = writer.GetSpan(16).Length;
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(length + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(-1));
        writer.Advance(length);
        Assert.Equal(length, writer.WrittenCount);
    }

    [Fact]
    public void Invalid_capacity_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PooledBufferWriter(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PooledBufferWriter(-1));
    }

    [Fact]
    public void Use_after_Dispose_throws_and_Dispose_twice_is_harmless()
    {
        var writer = new PooledBufferWriter();
        writer.GetSpan(10)[0] = 1;
        writer.Advance(1);
        writer.Dispose();
        writer.Dispose();

        Assert.Equal(0, writer.WrittenCount);
        Assert.Throws<ObjectDisposedException>(() => writer.GetSpan(1));
        Assert.Throws<ObjectDisposedException>(() => writer.GetMemory());
    }
}
