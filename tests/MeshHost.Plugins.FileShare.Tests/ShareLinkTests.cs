using MeshHost.Plugins.FileShare.Content;

namespace MeshHost.Plugins.FileShare.Tests;

public sealed class ShareLinkTests
{
    private static readonly string Hex = new string('a', 63) + "f";

    [Fact]
    public void A_link_round_trips_with_a_name_that_needs_escaping()
    {
        byte[] root = Convert.FromHexString(Hex);
        ShareLink link = ShareLink.Create(root, "Été 2024 & co+1 (final).mkv", 123_456_789);

        string text = link.ToString();
        ShareLink back = ShareLink.Parse(text);

        Assert.StartsWith("mesh://" + Hex + "?name=", text, StringComparison.Ordinal);
        Assert.DoesNotContain(' ', text);
        Assert.Equal(root, back.Root);
        Assert.Equal(link.Name, back.Name);
        Assert.Equal(123_456_789, back.Size);
    }

    [Fact]
    public void Upper_case_hex_and_unknown_parameters_are_accepted()
    {
        ShareLink link = ShareLink.Parse("mesh://" + Hex.ToUpperInvariant() + "?v=2&name=a.txt&size=0");

        Assert.Equal("a.txt", link.Name);
        Assert.Equal(0, link.Size);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("http://x", "starts with 'mesh://'")]
    [InlineData("mesh://abc?name=a&size=1", "64 hex digits")]
    [InlineData("mesh://{63}?name=a&size=1", "64 hex digits")]
    [InlineData("mesh://{64}0?name=a&size=1", "64 hex digits")]
    [InlineData("mesh://{g}?name=a&size=1", "64 hex digits")]
    [InlineData("mesh://{hex}", "no '?name=")]
    [InlineData("mesh://{hex}?size=1", "no 'name'")]
    [InlineData("mesh://{hex}?name=a", "no 'size'")]
    [InlineData("mesh://{hex}?name=a&name=b&size=1", "'name' twice")]
    [InlineData("mesh://{hex}?name=a&size=1&size=1", "'size' twice")]
    [InlineData("mesh://{hex}?name=a&size=-1", "decimal byte count")]
    [InlineData("mesh://{hex}?name=a&size=01", "decimal byte count")]
    [InlineData("mesh://{hex}?name=a&size=99999999999999999999", "decimal byte count")]
    [InlineData("mesh://{hex}?name=a%2&size=1", "two hex digits")]
    [InlineData("mesh://{hex}?name=a%zz&size=1", "two hex digits")]
    [InlineData("mesh://{hex}?name=%FF&size=1", "UTF-8")]
    [InlineData("mesh://{hex}?name=..&size=1", "'..'")]
    [InlineData("mesh://{hex}?name=a%2Fb&size=1", "U+002F")]
    [InlineData("mesh://{hex}?name=a b&size=1", "U+0020")]
    public void A_malformed_link_is_refused_with_a_clear_error(string template, string expected)
    {
        string text = template.Replace("{hex}", Hex, StringComparison.Ordinal)
            .Replace("{63}", Hex[..63], StringComparison.Ordinal)
            .Replace("{64}", Hex, StringComparison.Ordinal)
            .Replace("{g}", Hex[..63] + "g", StringComparison.Ordinal);

        Assert.False(ShareLink.TryParse(text, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => ShareLink.Parse(text));
    }

    [Fact]
    public void A_link_over_the_length_limit_is_refused()
    {
        string text = "mesh://" + Hex + "?name=a&size=1&pad=" + new string('x', ShareLink.MaxLength);

        Assert.False(ShareLink.TryParse(text, out _, out string? error));
        Assert.Contains("longer than", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_refuses_a_bad_root_or_name()
    {
        Assert.Throws<ArgumentException>(() => ShareLink.Create(new byte[31], "a", 1));
        Assert.Throws<ArgumentException>(() => ShareLink.Create(new byte[32], "../a", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShareLink.Create(new byte[32], "a", -1));
    }
}
