using MeshHost.MessagePack.Generator.Tests.Smoke;
using Xunit;

namespace MeshHost.MessagePack.Generator.Tests;

/// <summary>Checks that the generator works inside a real build, not only through the driver.</summary>
public sealed class SmokeTests
{
    [Fact]
    public void ArrayFormRoundTrips()
    {
        var greeting = new Greeting { Text = "hi", Numbers = [1, 2, 3], Retries = 5 };

        byte[] bytes = MessagePackSerializer.Serialize(greeting);
        Greeting? copy = MessagePackSerializer.Deserialize<Greeting>(bytes);

        // [ "hi", nil, [1,2,3], 5 ]
        Assert.Equal(new byte[] { 0x94, 0xa2, (byte)'h', (byte)'i', 0xc0, 0x93, 1, 2, 3, 5 }, bytes);
        Assert.NotNull(copy);
        Assert.Equal("hi", copy.Text);
        Assert.Equal([1, 2, 3], copy.Numbers!);
        Assert.Equal(5, copy.Retries);
    }

    [Fact]
    public void AbsentMemberKeepsItsInitialiser()
    {
        // [ "hi" ]: an older sender that knew only the first member.
        Greeting? copy = MessagePackSerializer.Deserialize<Greeting>(new byte[] { 0x91, 0xa2, (byte)'h', (byte)'i' });

        Assert.NotNull(copy);
        Assert.Equal(3, copy.Retries);
    }

    [Fact]
    public void UnionRoundTripsThroughTheBase()
    {
        PeerEvent[] events = [new Joined("ada") { At = new Position(1, 2) }, new Left { Farewell = new Greeting { Text = "bye" } }];

        foreach (PeerEvent original in events)
        {
            PeerEvent? copy = MessagePackSerializer.Deserialize<PeerEvent>(MessagePackSerializer.Serialize(original));
            Assert.Equal(original.GetType(), copy?.GetType());
            Assert.Equal(original.At, copy!.At);
        }
    }

    [Fact]
    public void UnknownUnionTagIsAnError()
    {
        // [ 9, nil ]
        var error = Assert.Throws<MessagePackSerializationException>(() => MessagePackSerializer.Deserialize<PeerEvent>(new byte[] { 0x92, 0x09, 0xc0 }));

        Assert.Contains("unknown union tag 9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateMapKeyIsAnError()
    {
        // { "X": 1, "X": 2 }
        byte[] bytes = [0x82, 0xa1, (byte)'X', 0x01, 0xa1, (byte)'X', 0x02];

        var error = Assert.Throws<MessagePackSerializationException>(() => MessagePackSerializer.Deserialize<Position>(bytes));

        Assert.Contains("duplicate key 'X'", error.Message, StringComparison.Ordinal);
    }
}
