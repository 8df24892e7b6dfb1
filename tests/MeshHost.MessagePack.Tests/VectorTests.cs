using System.Buffers;
using MeshHost.MessagePack.Tests.Support;

namespace MeshHost.MessagePack.Tests;

/// <summary>
/// Both directions of every exact encoding in <see cref="Vectors"/>: the writer produces exactly
/// those bytes, and the reader turns exactly those bytes back into the value, from a span and from
/// a sequence of many small segments.
/// </summary>
public sealed class VectorTests
{
    public static TheoryData<string> Names => Vectors.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Writer_produces_the_exact_bytes(string name)
    {
        Vector vector = Vectors.Get(name);

        byte[] written = Mp.Write(vector.Write);

        if (vector.Bytes.Length <= 64)
        {
            Assert.Equal(Hex.Of(vector.Bytes), Hex.Of(written)); // readable on failure
        }

        Assert.Equal(vector.Bytes, written);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Reader_gives_the_value_from_the_exact_bytes(string name)
    {
        Vector vector = Vectors.Get(name);

        object? value = Mp.Read(vector.Bytes, vector.Read);

        Values.AssertSame(vector.Expected, value);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Reader_gives_the_value_from_a_multi_segment_sequence(string name)
    {
        Vector vector = Vectors.Get(name);
        ReadOnlySequence<byte> sequence = Segment.Split(vector.Bytes, new Random(name.Length), maxChunk: 7, withEmpty: true);
        Assert.False(sequence.IsSingleSegment);

        var reader = new MessagePackReader(sequence);
        object? value = vector.Read(ref reader);

        Values.AssertSame(vector.Expected, value);
        Assert.True(reader.End);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Skip_consumes_exactly_one_value(string name)
    {
        Vector vector = Vectors.Get(name);
        byte[] twice = [.. vector.Bytes, .. vector.Bytes];

        var reader = new MessagePackReader(twice);
        Assert.NotEqual(MessagePackType.Unknown, reader.NextType);
        reader.Skip();
        Assert.Equal(vector.Bytes.Length, reader.Position);
        Assert.Equal(vector.Bytes, reader.ReadRawValue().ToArray());
        Assert.True(reader.End);
    }

    [Fact]
    public void Vectors_cover_every_first_byte_the_specification_defines()
    {
        // Every code except the never-used 0xc1 starts at least one vector, so no family is missed.
        var firstBytes = new HashSet<byte>();
        foreach (Vector vector in Vectors.All)
        {
            firstBytes.Add(vector.Bytes[0]);
        }

        byte[] families =
        [
            0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9,
            0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8,
            0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff,
        ];
        foreach (byte code in families)
        {
            Assert.Contains(code, firstBytes);
        }
    }
}
