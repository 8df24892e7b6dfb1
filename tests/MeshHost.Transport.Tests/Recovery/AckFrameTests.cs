using MeshHost.Transport.Frames;

namespace MeshHost.Transport.Tests.Recovery;

public class AckFrameTests
{
    [Fact]
    public void Write_ProducesTheDocumentedLayout()
    {
        AckRange[] ranges = [new(95, 100), new(80, 90)];
        var buffer = new byte[32];
        int written = AckFrame.Write(buffer, ranges, ackDelay: 25);

        // type, largest 100 (2-byte varint), delay 25, one more range, first range 5, gap 95-90-2=3, length 10.
        Assert.Equal(new byte[] { 0x02, 0x40, 0x64, 0x19, 0x01, 0x05, 0x03, 0x0a }, buffer[..written]);
        Assert.Equal(written, AckFrame.GetEncodedLength(ranges, 25));
    }

    [Fact]
    public void RoundTrip_SingleRange_AndLargeValues()
    {
        AssertRoundTrip([new AckRange(0, 0)], 0);
        AssertRoundTrip([new AckRange(7, 7)], 1);
        AssertRoundTrip([new AckRange(1UL << 40, (1UL << 61) + 3)], 5_000);
        AssertRoundTrip([new AckRange(0, (1UL << 62) - 1)], (1L << 62) - 1);
    }

    [Fact]
    public void RoundTrip_FortyRanges_AllReadWithRoom_FirstThirtyTwoWithout()
    {
        AckRange[] ranges = MakeRanges(40, new Random(7));
        AssertRoundTrip(ranges, 1234);

        var buffer = new byte[1024];
        int written = AckFrame.Write(buffer, ranges, 1234);
        var output = new AckRange[AckFrame.MaxRangesWritten];
        Assert.True(AckFrame.TryRead(buffer.AsSpan(1, written - 1), output, out int count, out long delay, out int read));
        Assert.Equal(32, count);
        Assert.Equal(written - 1, read); // the extra ranges were consumed
        Assert.Equal(1234, delay);
        Assert.Equal(ranges[..32], output);
    }

    [Fact]
    public void Write_WithLittleRoom_DropsTheOldestRanges()
    {
        AckRange[] ranges = MakeRanges(20, new Random(3));
        int full = AckFrame.GetEncodedLength(ranges, 100);
        for (int room = 0; room <= full; room++)
        {
            var buffer = new byte[room];
            int written = AckFrame.Write(buffer, ranges, 100);
            Assert.InRange(written, 0, room);
            if (written == 0)
            {
                continue;
            }

            var output = new AckRange[64];
            Assert.True(AckFrame.TryRead(buffer.AsSpan(1, written - 1), output, out int count, out _, out int read));
            Assert.Equal(written - 1, read);
            Assert.Equal(ranges[..count], output[..count]);
        }

        Assert.Equal(0, AckFrame.Write(new byte[3], ranges, 100));
    }

    [Fact]
    public void Write_NegativeDelay_IsZero()
    {
        var buffer = new byte[16];
        int written = AckFrame.Write(buffer, [new AckRange(1, 2)], -50);
        Assert.True(AckFrame.TryRead(buffer.AsSpan(1, written - 1), new AckRange[1], out _, out long delay, out _));
        Assert.Equal(0, delay);
    }

    [Fact]
    public void TryRead_TruncatedAtEveryByte_ReturnsFalse()
    {
        AckRange[] ranges = MakeRanges(35, new Random(11));
        var buffer = new byte[1024];
        int written = AckFrame.Write(buffer, ranges, 99_999);
        ReadOnlySpan<byte> payload = buffer.AsSpan(1, written - 1);
        var output = new AckRange[8];
        for (int length = 0; length < payload.Length; length++)
        {
            Assert.False(AckFrame.TryRead(payload[..length], output, out _, out _, out _));
        }

        Assert.True(AckFrame.TryRead(payload, output, out int count, out _, out _));
        Assert.Equal(8, count);
    }

    [Fact]
    public void TryRead_FirstRangeBelowZero_ReturnsFalse()
    {
        // largest 5, delay 0, no more ranges, first range 6.
        Assert.False(AckFrame.TryRead([0x05, 0x00, 0x00, 0x06], new AckRange[4], out _, out _, out _));
        Assert.True(AckFrame.TryRead([0x05, 0x00, 0x00, 0x05], new AckRange[4], out int count, out _, out _));
        Assert.Equal(1, count);
    }

    [Fact]
    public void TryRead_GapOrLengthBelowZero_ReturnsFalse()
    {
        // largest 10, first range 2 (smallest 8): the next range's largest is 8 - gap - 2.
        Assert.True(AckFrame.TryRead([0x0a, 0x00, 0x01, 0x02, 0x06, 0x00], new AckRange[4], out int count, out _, out _));
        Assert.Equal(2, count);
        Assert.False(AckFrame.TryRead([0x0a, 0x00, 0x01, 0x02, 0x07, 0x00], new AckRange[4], out _, out _, out _));
        Assert.False(AckFrame.TryRead([0x0a, 0x00, 0x01, 0x02, 0x06, 0x01], new AckRange[4], out _, out _, out _));
        // smallest 0 or 1 leaves no room for a gap at all.
        Assert.False(AckFrame.TryRead([0x0a, 0x00, 0x01, 0x09, 0x00, 0x00], new AckRange[4], out _, out _, out _));
    }

    [Fact]
    public void TryRead_UnderflowInADiscardedRange_StillReturnsFalse()
    {
        var bytes = new List<byte> { 0x40, 0x64, 0x00, 0x03, 0x00 }; // largest 100, 3 more ranges, first range 0
        bytes.AddRange([0x00, 0x00]); // 98
        bytes.AddRange([0x00, 0x00]); // 96
        bytes.AddRange([0x80, 0x00, 0x10, 0x00, 0x00]); // gap 4096: below zero
        Assert.False(AckFrame.TryRead(bytes.ToArray(), new AckRange[1], out _, out _, out _));
    }

    [Fact]
    public void TryRead_HugeGapsAndCounts_ReturnFalse()
    {
        // Range count 2^62-1 with two bytes left.
        Assert.False(AckFrame.TryRead([0x05, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00], new AckRange[4], out _, out _, out _));
        // Gap of 2^62-1.
        Assert.False(AckFrame.TryRead([0x05, 0x00, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00], new AckRange[4], out _, out _, out _));
    }

    [Fact]
    public void TryRead_EmptyOutput_StillValidatesAndConsumes()
    {
        var buffer = new byte[64];
        int written = AckFrame.Write(buffer, [new AckRange(50, 60), new AckRange(10, 20)], 3);
        Assert.True(AckFrame.TryRead(buffer.AsSpan(1, written - 1), Span<AckRange>.Empty, out int count, out _, out int read));
        Assert.Equal(0, count);
        Assert.Equal(written - 1, read);
    }

    [Fact]
    public void TryRead_RandomBytes_NeverThrowsAndOnlyAcceptsValidRanges()
    {
        var random = new Random(2024);
        var output = new AckRange[8];
        var input = new byte[40];
        for (int i = 0; i < 20_000; i++)
        {
            int length = random.Next(0, input.Length);
            random.NextBytes(input);
            if (random.Next(2) == 0)
            {
                input[2] = (byte)random.Next(0, 12); // plausible range counts
            }

            if (!AckFrame.TryRead(input.AsSpan(0, length), output, out int count, out long delay, out int read))
            {
                continue;
            }

            Assert.InRange(read, 4, length);
            Assert.True(delay >= 0);
            for (int r = 0; r < count; r++)
            {
                Assert.True(output[r].Smallest <= output[r].Largest);
                if (r > 0)
                {
                    Assert.True(output[r].Largest + 1 < output[r - 1].Smallest);
                }
            }
        }
    }

    private static void AssertRoundTrip(AckRange[] ranges, long delay)
    {
        var buffer = new byte[2048];
        int written = AckFrame.Write(buffer, ranges, delay);
        Assert.Equal(AckFrame.GetEncodedLength(ranges, delay), written);
        Assert.Equal(AckFrame.Type, buffer[0]);
        var output = new AckRange[ranges.Length + 4];
        Assert.True(AckFrame.TryRead(buffer.AsSpan(1, written - 1), output, out int count, out long readDelay, out int read));
        Assert.Equal(written - 1, read);
        Assert.Equal(delay, readDelay);
        Assert.Equal(ranges, output[..count]);
    }

    /// <summary>Random disjoint, non-adjacent ranges, newest first, with gaps and lengths of every varint size.</summary>
    private static AckRange[] MakeRanges(int count, Random random)
    {
        var ranges = new AckRange[count];
        ulong next = 1UL << 50;
        int[] scales = [1, 60, 16_000, 1_000_000_000];
        for (int i = 0; i < count; i++)
        {
            ulong length = (ulong)random.Next(0, scales[random.Next(scales.Length)]);
            ulong largest = next;
            ulong smallest = largest - length;
            ranges[i] = new AckRange(smallest, largest);
            ulong gap = (ulong)random.Next(0, scales[random.Next(scales.Length)]);
            next = smallest - gap - 2;
        }

        return ranges;
    }
}
