using System.Net;
using MeshHost.Mesh.Nat;
using MeshHost.Transport;

namespace MeshHost.Mesh.Tests.Nat;

/// <summary>The NAT channel's wire format: round trips, and malformed input refused rather than misread.</summary>
public sealed class NatCodecTests
{
    [Fact]
    public void Messages_round_trip()
    {
        NodeId node = NodeId.Random(new Random(3));
        Assert.True(NatCodec.TryRead(NatCodec.Observed(IPEndPoint.Parse("203.0.113.5:4000")), out NatMessage observed));
        Assert.Equal(IPEndPoint.Parse("203.0.113.5:4000"), observed.EndPoint);

        Assert.True(NatCodec.TryRead(NatCodec.Observed(IPEndPoint.Parse("[2001:db8::1]:9")), out NatMessage observed6));
        Assert.Equal(IPEndPoint.Parse("[2001:db8::1]:9"), observed6.EndPoint);

        Assert.True(NatCodec.TryRead(NatCodec.CircuitWithNode(NatMessageType.CircuitConnect, 77, node), out NatMessage connect));
        Assert.Equal((NatMessageType.CircuitConnect, 77u, node), (connect.Type, connect.Circuit, connect.Node));

        Assert.True(NatCodec.TryRead(NatCodec.Refused(5, new string('x', 500)), out NatMessage refused));
        Assert.Equal(NatCodec.MaxReasonBytes, refused.Text!.Length);

        IPEndPoint[] candidates = [IPEndPoint.Parse("10.0.0.2:47800"), IPEndPoint.Parse("203.0.113.5:47800")];
        Assert.True(NatCodec.TryRead(NatCodec.Punch(NatMessageType.PunchOffer, 99, candidates), out NatMessage punch));
        Assert.Equal(99ul, punch.Nonce);
        Assert.Equal(candidates, punch.EndPoints);

        byte[] data = new byte[NatCodec.DataHeaderSize + 3];
        NatCodec.WriteDataHeader(data, 12);
        data[^1] = 42;
        Assert.True(NatCodec.TryRead(data, out NatMessage frame));
        Assert.Equal(12u, frame.Circuit);
        Assert.Equal(3, frame.Payload.Length);
        Assert.Equal(42, frame.Payload[^1]);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x7f })]
    [InlineData(new byte[] { 0x01, 4, 1, 2, 3 })] // truncated address
    [InlineData(new byte[] { 0x01, 5, 1, 2, 3, 4, 0, 1 })] // unknown family
    [InlineData(new byte[] { 0x01, 4, 1, 2, 3, 4, 0, 0 })] // port 0
    [InlineData(new byte[] { 0x02, 2 })] // flag not 0/1
    [InlineData(new byte[] { 0x12, 0, 0, 1 })] // short circuit id
    [InlineData(new byte[] { 0x20, 0, 0, 0, 0, 0, 0, 0, 1, 9 })] // too many candidates
    [InlineData(new byte[] { 0x20, 0, 0, 0, 0, 0, 0, 0, 1, 1, 4, 1, 2, 3, 4, 0, 1, 7 })] // trailing byte
    public void Malformed_messages_are_refused(byte[] data)
    {
        Assert.False(NatCodec.TryRead(data, out _));
    }
}
