using MeshHost.Transport.Recovery;

namespace MeshHost.Transport.Tests.Recovery;

public class PacketNumberDecodingTests
{
    [Fact]
    public void RfcExample_SixteenBits()
    {
        // RFC 9000 Appendix A.3: largest 0xa82f30ea, 16-bit truncated 0x9b32.
        Assert.Equal(0xa82f9b32UL, PacketNumberDecoding.Decode(0xa82f30eaUL + 1, 0x9b32, 16));
    }

    [Theory]
    [InlineData(0xa82f30eaUL, 0xa82f9b32u, 0xa82f9b32UL)] // the RFC example with all 32 bits sent
    [InlineData(100UL, 101u, 101UL)]
    [InlineData(100UL, 50u, 50UL)] // late but recent
    [InlineData(0UL, 0xffff_ffffu, 0xffff_ffffUL)] // cannot go below zero, so the large candidate stands
    [InlineData(0x1_ffff_fff0UL, 0x0000_0005u, 0x2_0000_0005UL)] // wraps forward past a 2^32 boundary
    [InlineData(0x2_0000_0003UL, 0xffff_fffeu, 0x1_ffff_fffeUL)] // reordered from just before the boundary
    [InlineData(0xffff_ffffUL, 0x0000_0000u, 0x1_0000_0000UL)]
    [InlineData(0xffff_ffffUL, 0x8000_0000u, 0x1_8000_0000UL)] // exactly half a window ahead stays ahead
    [InlineData(0xffff_ffffUL, 0x8000_0001u, 0x8000_0001UL)] // just beyond half a window is behind
    public void ThirtyTwoBitVectors(ulong largest, uint truncated, ulong expected)
    {
        Assert.Equal(expected, PacketNumberDecoding.DecodePacketNumber(largest, truncated));
    }

    [Fact]
    public void NothingReceivedYet_DecodesFromZero()
    {
        Assert.Equal(0UL, PacketNumberDecoding.DecodePacketNumber(ulong.MaxValue, 0));
        Assert.Equal(7UL, PacketNumberDecoding.DecodePacketNumber(ulong.MaxValue, 7));
    }

    [Fact]
    public void NearTheMaximumPacketNumber_DoesNotOverflow()
    {
        ulong max = (1UL << 62) - 1;
        Assert.Equal(max, PacketNumberDecoding.DecodePacketNumber(max - 1, (uint)(max & 0xffff_ffff)));
        // A candidate one window up would exceed 2^62 - 1, so the lower one is kept.
        Assert.Equal(max - 0xffff_ffff, PacketNumberDecoding.DecodePacketNumber(max - 1, (uint)((max - 0xffff_ffff) & 0xffff_ffff)));
    }

    [Fact]
    public void RandomRoundTrips_WithinHalfAWindow()
    {
        var random = new Random(99);
        for (int i = 0; i < 100_000; i++)
        {
            ulong largest = (ulong)random.NextInt64(0, 1L << 40);
            long offset = random.NextInt64(-(1L << 31) + 2, 1L << 31);
            long actualSigned = (long)largest + offset;
            if (actualSigned < 0)
            {
                continue;
            }

            ulong actual = (ulong)actualSigned;
            Assert.Equal(actual, PacketNumberDecoding.DecodePacketNumber(largest, (uint)actual));
        }
    }
}
