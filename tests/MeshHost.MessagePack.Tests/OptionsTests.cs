namespace MeshHost.MessagePack.Tests;

/// <summary><see cref="MessagePackSerializerOptions"/> validates its limits.</summary>
public sealed class OptionsTests
{
    [Fact]
    public void Defaults_are_depth_64_and_16_MiB()
    {
        Assert.Equal(64, MessagePackSerializerOptions.Default.MaxDepth);
        Assert.Equal(16 * 1024 * 1024, MessagePackSerializerOptions.Default.MaxInputLength);
        Assert.Same(MessagePackSerializerOptions.Default, MessagePackSerializerOptions.Default);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public void MaxDepth_accepts_1_to_1000(int depth)
    {
        var options = new MessagePackSerializerOptions { MaxDepth = depth };
        Assert.Equal(depth, options.MaxDepth);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1001)]
    public void MaxDepth_outside_1_to_1000_is_refused(int depth)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new MessagePackSerializerOptions { MaxDepth = depth });
        Assert.Equal("MaxDepth", ex.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void MaxInputLength_must_be_positive(int length)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new MessagePackSerializerOptions { MaxInputLength = length });
        Assert.Equal("MaxInputLength", ex.ParamName);
    }

    [Fact]
    public void With_copies_and_changes_one_limit()
    {
        MessagePackSerializerOptions strict = MessagePackSerializerOptions.Default with { MaxInputLength = 100 };
        Assert.Equal(100, strict.MaxInputLength);
        Assert.Equal(64, strict.MaxDepth);
        Assert.Equal(16 * 1024 * 1024, MessagePackSerializerOptions.Default.MaxInputLength);
    }
}
