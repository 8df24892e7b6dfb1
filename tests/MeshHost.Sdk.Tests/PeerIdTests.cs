using MeshHost.Sdk;

namespace MeshHost.Sdk.Tests;

public sealed class PeerIdTests
{
    [Fact]
    public void Parse_and_format_round_trip()
    {
        byte[] bytes = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var id = new PeerId(bytes);

        Assert.Equal(Convert.ToHexStringLower(bytes), id.ToString());
        Assert.Equal("01020304", id.ToShortString());
        Assert.Equal(id, PeerId.Parse(id.ToString().ToUpperInvariant()));
        Assert.Equal(bytes, id.ToArray());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("zz02030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20")]
    [InlineData("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021")]
    public void Anything_but_64_hex_digits_is_refused(string? text)
    {
        Assert.False(PeerId.TryParse(text, out PeerId id));
        Assert.Equal(default, id);
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => PeerId.Parse(text));
        }
    }

    [Fact]
    public void Ids_order_as_big_endian_numbers()
    {
        byte[] low = new byte[32];
        byte[] high = new byte[32];
        low[31] = 0xff;
        high[0] = 0x01;
        var a = new PeerId(low);
        var b = new PeerId(high);

        Assert.True(a < b);
        Assert.True(b > a);
        Assert.NotEqual(a, b);
        Assert.Equal(a, new PeerId(low));
        Assert.Equal(a.GetHashCode(), new PeerId(low).GetHashCode());
        Assert.Throws<ArgumentException>(() => new PeerId(new byte[31]));
    }
}
