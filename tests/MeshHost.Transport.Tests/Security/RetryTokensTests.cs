using MeshHost.Transport.Testing;
using System.Net;
using MeshHost.Transport.Security;

namespace MeshHost.Transport.Tests.Security;

public class RetryTokensTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);
    private static readonly SocketAddress Client = new IPEndPoint(IPAddress.Parse("198.51.100.20"), 50_000).Serialize();
    private static readonly ConnectionId Cid = new(0x0102030405060708);

    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void Fresh_token_validates_for_its_address_and_cid()
    {
        var tokens = new RetryTokens(_time, Lifetime);
        byte[] token = Issue(tokens, Client, Cid);
        Assert.Equal(RetryTokens.TokenSize, token.Length);
        Assert.True(tokens.Validate(token, Client, Cid));

        _time.Advance(Lifetime);
        Assert.True(tokens.Validate(token, Client, Cid));
    }

    [Fact]
    public void Token_expires_after_its_lifetime()
    {
        var tokens = new RetryTokens(_time, Lifetime);
        byte[] token = Issue(tokens, Client, Cid);
        _time.Advance(Lifetime + TimeSpan.FromMilliseconds(1));
        Assert.False(tokens.Validate(token, Client, Cid));
    }

    [Fact]
    public void Token_survives_a_secret_rotation_within_its_lifetime()
    {
        var tokens = new RetryTokens(_time, Lifetime);
        _time.Advance(Lifetime * 0.9);
        byte[] token = Issue(tokens, Client, Cid);

        _time.Advance(Lifetime * 0.5); // the secret rotates here
        byte[] newer = Issue(tokens, Client, Cid);
        Assert.True(tokens.Validate(token, Client, Cid));
        Assert.True(tokens.Validate(newer, Client, Cid));
        Assert.NotEqual(token.AsSpan(8).ToArray(), newer.AsSpan(8).ToArray());
    }

    [Fact]
    public void Token_is_bound_to_the_address()
    {
        var tokens = new RetryTokens(_time, Lifetime);
        byte[] token = Issue(tokens, Client, Cid);
        Assert.False(tokens.Validate(token, new IPEndPoint(IPAddress.Parse("198.51.100.20"), 50_001).Serialize(), Cid));
        Assert.False(tokens.Validate(token, new IPEndPoint(IPAddress.Parse("198.51.100.21"), 50_000).Serialize(), Cid));
        Assert.False(tokens.Validate(token, new IPEndPoint(IPAddress.Parse("::ffff:198.51.100.20"), 50_000).Serialize(), Cid));
    }

    [Fact]
    public void Token_is_bound_to_the_initiator_cid()
    {
        var tokens = new RetryTokens(_time, Lifetime);
        byte[] token = Issue(tokens, Client, Cid);
        Assert.False(tokens.Validate(token, Client, new ConnectionId(Cid.Value ^ 1)));
    }

    [Fact]
    public void Tampered_or_truncated_token_is_refused()
    {
        var tokens = new RetryTokens(_time, Lifetime);
        byte[] token = Issue(tokens, Client, Cid);
        _time.Advance(TimeSpan.FromSeconds(1));
        for (int i = 0; i < token.Length; i++)
        {
            foreach (byte flip in new byte[] { 0x01, 0x80 })
            {
                byte[] tampered = (byte[])token.Clone();
                tampered[i] ^= flip;
                Assert.False(tokens.Validate(tampered, Client, Cid), $"byte {i} ^ {flip}");
            }
        }

        Assert.False(tokens.Validate(token.AsSpan(..^1), Client, Cid));
        Assert.False(tokens.Validate([.. token, 0], Client, Cid));
        Assert.False(tokens.Validate([], Client, Cid));
    }

    [Fact]
    public void Token_from_another_endpoint_is_refused()
    {
        var ours = new RetryTokens(_time, Lifetime);
        var theirs = new RetryTokens(_time, Lifetime);
        Assert.False(ours.Validate(Issue(theirs, Client, Cid), Client, Cid));
    }

    [Fact]
    public void IPv6_flow_label_does_not_matter_but_the_address_does()
    {
        var tokens = new RetryTokens(_time, Lifetime);
        SocketAddress v6 = new IPEndPoint(IPAddress.Parse("2001:db8::20"), 443).Serialize();
        byte[] token = Issue(tokens, v6, Cid);

        SocketAddress withFlowLabel = new IPEndPoint(IPAddress.Parse("2001:db8::20"), 443).Serialize();
        withFlowLabel[5] = 0x12;
        Assert.True(tokens.Validate(token, withFlowLabel, Cid));
        Assert.False(tokens.Validate(token, new IPEndPoint(IPAddress.Parse("2001:db8::21"), 443).Serialize(), Cid));
    }

    [Fact]
    public void Retry_datagram_carries_the_token_back_to_the_initiator()
    {
        var tokens = new RetryTokens(_time, Lifetime);
        byte[] token = Issue(tokens, Client, Cid);
        byte[] datagram = new byte[64];
        int length = RetryTokens.WriteRetry(datagram, Cid, token);

        Assert.True(HandshakeInitiator.TryParseRetry(datagram.AsSpan(0, length), out ConnectionId cid, out ReadOnlySpan<byte> echoed));
        Assert.Equal(Cid, cid);
        Assert.True(tokens.Validate(echoed, Client, cid));
    }

    [Fact]
    public void Retry_datagram_round_trips_and_malformed_ones_are_refused()
    {
        var cid = ConnectionId.NewRandom();
        byte[] token = [5, 4, 3, 2, 1];
        byte[] buffer = new byte[64];
        int length = RetryTokens.WriteRetry(buffer, cid, token);

        Assert.Equal(1 + 8 + 2 + token.Length, length);
        Assert.True(HandshakeInitiator.TryParseRetry(buffer.AsSpan(0, length), out ConnectionId parsedCid, out ReadOnlySpan<byte> parsedToken));
        Assert.Equal(cid, parsedCid);
        Assert.Equal(token, parsedToken.ToArray());

        Assert.False(HandshakeInitiator.TryParseRetry(buffer.AsSpan(0, length - 1), out _, out _));
        Assert.False(HandshakeInitiator.TryParseRetry(buffer.AsSpan(0, length + 1), out _, out _));
        Assert.False(HandshakeInitiator.TryParseRetry(buffer.AsSpan(0, 10), out _, out _));
        buffer[0] = HandshakeLayout.InitialType;
        Assert.False(HandshakeInitiator.TryParseRetry(buffer.AsSpan(0, length), out _, out _));
        Assert.False(HandshakeInitiator.TryParseRetry([0x02, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0], out _, out _));
    }

    private static byte[] Issue(RetryTokens tokens, SocketAddress address, ConnectionId cid)
    {
        byte[] buffer = new byte[64];
        return buffer[..tokens.Issue(buffer, address, cid)];
    }
}
