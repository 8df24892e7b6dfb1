using System.Security.Cryptography;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Loopback;

/// <summary>
/// Two endpoints on real UDP sockets at 127.0.0.1 (port 0) with the system clock: connect,
/// messages both ways on every method, a 16 MiB message fragmented and reassembled intact, close
/// with a reason, the idle timeout, and a NAT rebinding in mid-session. Every await is bounded.
/// </summary>
[Trait("Category", "Loopback")]
public sealed class LoopbackSessionTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = LoopbackNodes.Timeout;

    private readonly LoopbackNodes _nodes = new();

    public void Dispose() => _nodes.Dispose();

    [Fact]
    public async Task Sessions_carry_messages_both_ways_on_every_method()
    {
        LoopbackNode server = _nodes.Bind();
        LoopbackNode client = _nodes.Bind();
        var (clientSession, serverSession) = await LoopbackNodes.ConnectAsync(client, server);

        Assert.Equal(server.Endpoint.LocalId, clientSession.RemoteId);
        Assert.Equal(client.Endpoint.LocalId, serverSession.RemoteId);
        Assert.Equal(server.Address, clientSession.RemoteEndPoint);
        Assert.Equal(client.Address, serverSession.RemoteEndPoint);
        Assert.Equal(client.Address, clientSession.ObservedAddress);

        foreach (DeliveryMethod method in Enum.GetValues<DeliveryMethod>())
        {
            for (int i = 0; i < 3; i++)
            {
                await LoopbackNodes.SendAndReceiveAsync(clientSession, server, (byte)(10 + (int)method), method, [.. "ping "u8, (byte)method, (byte)i]);
                await LoopbackNodes.SendAndReceiveAsync(serverSession, client, (byte)(20 + (int)method), method, [.. "pong "u8, (byte)method, (byte)i]);
            }
        }

        // Larger than one packet, on every reliable method, both ways.
        var random = new Random(5);
        foreach (DeliveryMethod method in new[] { DeliveryMethod.ReliableUnordered, DeliveryMethod.ReliableOrdered, DeliveryMethod.ReliableSequenced })
        {
            byte[] payload = new byte[40_000];
            random.NextBytes(payload);
            await LoopbackNodes.SendAndReceiveAsync(clientSession, server, 30, method, payload);
            await LoopbackNodes.SendAndReceiveAsync(serverSession, client, 31, method, payload);
        }

        Assert.Equal(0, server.Endpoint.Statistics.Socket.ReceiverFaults);
        Assert.Equal(0, client.Endpoint.Statistics.Socket.ReceiverFaults);
    }

    [Fact]
    public async Task A_16_MiB_ReliableOrdered_message_is_fragmented_and_delivered_intact()
    {
        LoopbackNode server = _nodes.Bind();
        LoopbackNode client = _nodes.Bind();
        var (clientSession, _) = await LoopbackNodes.ConnectAsync(client, server);

        byte[] message = new byte[16 * 1024 * 1024];
        new Random(16).NextBytes(message);
        byte[] expected = SHA256.HashData(message);

        await clientSession.SendAsync(1, DeliveryMethod.ReliableOrdered, message).AsTask().WaitAsync(Timeout);
        await clientSession.SendAsync(1, DeliveryMethod.ReliableOrdered, "after"u8.ToArray()).AsTask().WaitAsync(Timeout);
        await server.Handler.WaitUntilAsync(h => h.Messages().Length == 2, TimeSpan.FromSeconds(30), "the 16 MiB message and the one after it");

        LoopbackMessage[] received = server.Handler.Messages();
        Assert.Equal(message.Length, received[0].Length);
        Assert.Equal(expected, received[0].Sha256);
        Assert.Equal("after"u8.ToArray(), received[1].Data);
        Assert.True(clientSession.IsOpen);
        output.WriteLine($"sender: {clientSession.GetStatistics()}");
    }

    [Fact]
    public async Task Close_sends_a_reason_that_both_sides_read()
    {
        LoopbackNode server = _nodes.Bind();
        LoopbackNode client = _nodes.Bind();
        var (clientSession, serverSession) = await LoopbackNodes.ConnectAsync(client, server);
        const string Reason = "game over: merci, à bientôt ✓";

        clientSession.Close(Reason, CloseCode.Application);

        await server.Handler.WaitUntilAsync(h => h.Closed().Length == 1, Timeout, "the server to see the close");
        await client.Handler.WaitUntilAsync(h => h.Closed().Length == 1, Timeout, "the client to report its own close");
        var (closedOnServer, serverReason) = server.Handler.Closed()[0];
        Assert.Same(serverSession, closedOnServer);
        Assert.Equal(new CloseReason(CloseCode.Application, Reason, ByPeer: true), serverReason);
        Assert.Equal(new CloseReason(CloseCode.Application, Reason, ByPeer: false), client.Handler.Closed()[0].Reason);
        Assert.Equal(serverReason, serverSession.CloseReason);
        Assert.False(serverSession.IsOpen);
        Assert.False(clientSession.IsOpen);
        Assert.Empty(server.Endpoint.Sessions);
        Assert.Empty(client.Endpoint.Sessions);
        Assert.Equal(SendResult.Closed, serverSession.TrySend(0, DeliveryMethod.ReliableOrdered, [1]));
    }

    [Fact]
    public async Task A_session_that_hears_nothing_closes_with_IdleTimeout()
    {
        // Short, but with room for a busy machine: the session must not idle out before the mute.
        var options = new TransportOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(200), IdleTimeout = TimeSpan.FromMilliseconds(1500) };
        LoopbackNode server = _nodes.Bind(options);
        LoopbackNode client = _nodes.BindIntercepted(options);
        var (clientSession, serverSession) = await LoopbackNodes.ConnectAsync(client, server);

        // Keepalives hold an idle session open...
        await LoopbackNodes.SendAndReceiveAsync(clientSession, server, 1, DeliveryMethod.ReliableOrdered, [1]);

        // ...until the client vanishes without a word (its socket neither sends nor receives).
        client.Socket!.Muted = true;

        await server.Handler.WaitUntilAsync(h => h.Closed().Length == 1, Timeout, "the server's idle timeout");
        await client.Handler.WaitUntilAsync(h => h.Closed().Length == 1, Timeout, "the client's idle timeout");
        CloseReason serverReason = server.Handler.Closed()[0].Reason;
        CloseReason clientReason = client.Handler.Closed()[0].Reason;
        Assert.True(serverReason is { Code: CloseCode.IdleTimeout, ByPeer: false }, $"server: {serverReason}");
        Assert.True(clientReason is { Code: CloseCode.IdleTimeout, ByPeer: false }, $"client: {clientReason}");
        Assert.False(serverSession.IsOpen);
        Assert.False(clientSession.IsOpen);
        Assert.Empty(server.Endpoint.Sessions);
    }

    [Fact]
    public async Task The_server_follows_a_NAT_rebinding_and_traffic_continues_both_ways()
    {
        LoopbackNode server = _nodes.Bind();
        LoopbackNode client = _nodes.Bind();
        await using var nat = new UdpForwarder(server.Address);
        var (clientSession, serverSession) = await LoopbackNodes.ConnectAsync(client, server, via: nat.ClientFacing);

        var first = nat.Outbound;
        Assert.Equal(first, serverSession.RemoteEndPoint);
        Assert.Equal(nat.ClientFacing, clientSession.RemoteEndPoint);
        await LoopbackNodes.SendAndReceiveAsync(clientSession, server, 1, DeliveryMethod.ReliableOrdered, "before"u8.ToArray());
        await LoopbackNodes.SendAndReceiveAsync(serverSession, client, 1, DeliveryMethod.ReliableOrdered, "before"u8.ToArray());
        Assert.Equal(0, server.Endpoint.Statistics.Migrations);

        nat.Rebind();
        var second = nat.Outbound;
        Assert.NotEqual(first, second);

        // The client speaks first from the new mapping; the server must follow it there.
        await LoopbackNodes.SendAndReceiveAsync(clientSession, server, 2, DeliveryMethod.ReliableOrdered, "after"u8.ToArray());
        Assert.Equal(second, serverSession.RemoteEndPoint);
        Assert.Equal(1, server.Endpoint.Statistics.Migrations);

        // And traffic flows both ways on the new path, small and large.
        var random = new Random(8);
        for (int i = 0; i < 3; i++)
        {
            byte[] payload = new byte[i == 2 ? 200_000 : 100];
            random.NextBytes(payload);
            await LoopbackNodes.SendAndReceiveAsync(serverSession, client, 3, DeliveryMethod.ReliableOrdered, payload);
            await LoopbackNodes.SendAndReceiveAsync(clientSession, server, 3, DeliveryMethod.ReliableOrdered, payload);
        }

        await LoopbackNodes.SendAndReceiveAsync(serverSession, client, 4, DeliveryMethod.Unreliable, [4, 2]);
        Assert.Equal(second, serverSession.RemoteEndPoint);
        Assert.Equal(1, server.Endpoint.Statistics.Migrations);
        Assert.True(serverSession.IsOpen);
        Assert.True(clientSession.IsOpen);
    }
}
