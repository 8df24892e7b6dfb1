using System.Net;
using System.Net.Sockets;
using MeshHost.Transport.Security;
using MeshHost.Transport.Tests.Attacks;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Loopback;

/// <summary>
/// 20,000 random and mutated datagrams from a raw UDP socket at 127.0.0.1 into a live endpoint
/// with an established session: the endpoint's receive thread survives, nothing reaches the
/// application as a message, and the session still works both ways afterwards.
/// </summary>
[Trait("Category", "Loopback")]
public sealed class LoopbackGarbageTests(ITestOutputHelper output) : IDisposable
{
    private const int Datagrams = 20_000;

    // Small enough that a batch never overflows the OS receive buffer, so each batch's marker arrives.
    private const int Batch = 100;

    private static readonly TimeSpan Timeout = LoopbackNodes.Timeout;

    private readonly LoopbackNodes _nodes = new();

    public void Dispose() => _nodes.Dispose();

    [Fact]
    public async Task A_live_endpoint_survives_20000_hostile_datagrams_on_a_real_socket()
    {
        LoopbackNode server = _nodes.BindIntercepted();
        LoopbackNode client = _nodes.Bind();
        var (clientSession, serverSession) = await LoopbackNodes.ConnectAsync(client, server);
        foreach (DeliveryMethod method in Enum.GetValues<DeliveryMethod>())
        {
            await LoopbackNodes.SendAndReceiveAsync(clientSession, server, (byte)method, method, [.. "to server"u8, (byte)method]);
            await LoopbackNodes.SendAndReceiveAsync(serverSession, client, (byte)method, method, [.. "to client"u8, (byte)method]);
        }

        byte[] beacon = "beacon"u8.ToArray();
        client.Endpoint.SendUnconnected(beacon, server.Address);
        await server.Handler.WaitForUnconnectedAsync(beacon, Timeout);

        // Templates: what the server received and sent on the wire, plus a Retry for the client's CID.
        var templates = new List<GarbageTemplate>();
        var cids = new HashSet<ConnectionId> { serverSession.LocalCid, serverSession.RemoteCid };
        foreach (SeenDatagram seen in server.Socket!.Seen())
        {
            templates.Add(new GarbageTemplate(seen.Data[0].ToString(System.Globalization.CultureInfo.InvariantCulture), seen.Data, seen.Peer));
        }

        byte[] retry = new byte[HandshakeLayout.RetryTokenOffset + RetryTokens.TokenSize];
        RetryTokens.WriteRetry(retry, clientSession.LocalCid, new byte[RetryTokens.TokenSize]);
        templates.Add(new GarbageTemplate("Retry", retry, client.Address));
        server.Socket.Capture = false;
        server.Socket.TrackAddresses = false;
        server.Socket.ClearSeen();

        var generator = new GarbageGenerator(seed: 2024, templates, [.. cids, clientSession.LocalCid], [client.Address]);
        int serverMessages = server.Handler.Messages().Length;
        int clientMessages = client.Handler.Messages().Length;
        server.Handler.KeepUnconnected = static payload => payload.AsSpan().StartsWith("marker"u8);

        using var attacker = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        attacker.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        byte[] buffer = new byte[65_536];
        var markers = new Random(1);
        for (int sent = 0; sent < Datagrams;)
        {
            for (int i = 0; i < Batch; i++, sent++)
            {
                int length = generator.Next(buffer, out _);
                await attacker.SendToAsync(buffer.AsMemory(0, length), SocketFlags.None, server.Address).AsTask().WaitAsync(Timeout);
            }

            // Loopback keeps one sender's datagrams in order: once the marker is in, the batch was handled.
            byte[] marker = [PacketTypes.Unconnected, .. "marker"u8, .. BitConverter.GetBytes(markers.NextInt64())];
            await attacker.SendToAsync(marker, SocketFlags.None, server.Address).WaitAsync(Timeout);
            await server.Handler.WaitForUnconnectedAsync(marker[1..], Timeout);
        }

        EndpointStatistics stats = server.Endpoint.Statistics;
        output.WriteLine($"endpoint: {stats}");
        output.WriteLine($"session: {serverSession.GetStatistics()}");

        Assert.Equal(0, stats.Socket.ReceiverFaults);
        Assert.True(stats.Socket.DatagramsReceived >= Datagrams, $"only {stats.Socket.DatagramsReceived} datagrams received");
        Assert.Equal(0, stats.HandlerFaults);
        Assert.Equal(serverMessages, server.Handler.Messages().Length);
        Assert.Equal(clientMessages, client.Handler.Messages().Length);
        Assert.Empty(server.Handler.Closed());
        Assert.True(serverSession.IsOpen);
        Assert.True(clientSession.IsOpen);

        await LoopbackNodes.SendAndReceiveAsync(clientSession, server, 1, DeliveryMethod.ReliableOrdered, "still here"u8.ToArray());
        await LoopbackNodes.SendAndReceiveAsync(serverSession, client, 1, DeliveryMethod.ReliableOrdered, "me too"u8.ToArray());
    }
}
