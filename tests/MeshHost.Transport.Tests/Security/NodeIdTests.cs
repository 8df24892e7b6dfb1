namespace MeshHost.Transport.Tests.Security;

public class NodeIdTests
{
    private const string Hex = "00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210";

    [Fact]
    public void Parse_and_ToString_round_trip()
    {
        NodeId id = NodeId.Parse(Hex);
        Assert.Equal(Hex, id.ToString());
        Assert.Equal("00112233", id.ToShortString());
        Assert.Equal(id, NodeId.Parse(Hex.ToUpperInvariant()));
        Assert.Equal(id, new NodeId(id.ToArray()));
        Assert.Equal(Convert.FromHexString(Hex), id.ToArray());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0011")]
    [InlineData(Hex + "00")]
    [InlineData("g0112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210")]
    public void TryParse_rejects_anything_but_64_hex_digits(string? text)
    {
        Assert.False(NodeId.TryParse(text, out _));
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => NodeId.Parse(text));
        }
    }

    [Fact]
    public void Constructor_requires_exactly_32_bytes()
    {
        Assert.Throws<ArgumentException>(() => new NodeId(new byte[31]));
        Assert.Throws<ArgumentException>(() => new NodeId(new byte[33]));
        Assert.Throws<ArgumentException>(() => NodeId.FromPublicKey(new byte[63]));
    }

    [Fact]
    public void FromPublicKey_is_sha256_of_the_key()
    {
        byte[] key = new byte[64];
        key[0] = 1;
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(key), NodeId.FromPublicKey(key).ToArray());
    }

    [Fact]
    public void Xor_is_bytewise_and_self_inverse()
    {
        var random = new Random(1);
        NodeId a = NodeId.Random(random);
        NodeId b = NodeId.Random(random);
        byte[] expected = a.ToArray();
        byte[] other = b.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] ^= other[i];
        }

        Assert.Equal(expected, (a ^ b).ToArray());
        Assert.Equal(a, a ^ b ^ b);
        Assert.Equal(default, a ^ a);
    }

    [Fact]
    public void Ordering_is_big_endian_unsigned()
    {
        NodeId low = NodeId.Parse("00" + new string('f', 62));
        NodeId high = NodeId.Parse("80" + new string('0', 62));
        NodeId lastByte = NodeId.Parse(new string('0', 62) + "01");
        Assert.True(low < high);
        Assert.True(high > low);
        Assert.True(default(NodeId) < lastByte);
        Assert.True(lastByte < low);
        Assert.Equal(0, low.CompareTo(NodeId.Parse(low.ToString())));

        var random = new Random(2);
        var ids = new List<NodeId>();
        for (int i = 0; i < 200; i++)
        {
            ids.Add(NodeId.Random(random));
        }

        ids.Sort();
        for (int i = 1; i < ids.Count; i++)
        {
            Assert.True(string.CompareOrdinal(ids[i - 1].ToString(), ids[i].ToString()) <= 0);
        }
    }

    [Fact]
    public void Equality_and_hash_code_agree()
    {
        NodeId a = NodeId.Parse(Hex);
        NodeId b = NodeId.Parse(Hex);
        NodeId c = NodeId.Parse(Hex[..63] + "1");
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a != c);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(192)]
    [InlineData(200)]
    [InlineData(255)]
    public void LeadingZeroBitCount_counts_from_the_most_significant_bit(int firstSetBit)
    {
        byte[] bytes = new byte[NodeId.Size];
        bytes[firstSetBit / 8] = (byte)(0x80 >> (firstSetBit % 8));
        bytes[^1] |= 1; // lower bits must not matter

        Assert.Equal(firstSetBit, new NodeId(bytes).LeadingZeroBitCount());
    }

    [Fact]
    public void LeadingZeroBitCount_of_zero_is_256()
    {
        Assert.Equal(256, default(NodeId).LeadingZeroBitCount());
        Assert.Equal(255, NodeId.Parse(new string('0', 63) + "1").LeadingZeroBitCount());
    }

    [Fact]
    public void Random_is_deterministic_for_a_seed()
    {
        Assert.Equal(NodeId.Random(new Random(5)), NodeId.Random(new Random(5)));
    }
}
