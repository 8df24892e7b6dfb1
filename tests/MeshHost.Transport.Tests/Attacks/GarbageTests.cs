using System.Net;
using MeshHost.Transport.Security;
using MeshHost.Transport.Tests.Sessions;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Attacks;

/// <summary>
/// 100,000 random and mutated datagrams thrown straight into the receive path of a live endpoint
/// that has an established session, a half-open accepted handshake and two connects of its own in
/// progress (one past a Retry, one unanswered): nothing throws out of OnDatagram, no garbage
/// reaches the application as a message, memory stays flat, and the session still works.
/// Deterministic: seeded garbage, manual clock, in-memory network.
/// </summary>
[Collection(MemoryMeasurement.Name)]
public sealed class GarbageTests(ITestOutputHelper output) : IDisposable
{
    private const int Datagrams = 100_000;

    private readonly AttackNetwork _net = new(seed: 23);

    public void Dispose() => _net.Dispose();

    [Fact]
    public void A_live_endpoint_survives_100000_hostile_datagrams()
    {
        // Connects of the server's own wait long enough to stay pending through the whole run.
        var serverOptions = new TransportOptions { ConnectTimeout = TimeSpan.FromSeconds(60) };
        AttackNode server = _net.AddNode(serverOptions);
        AttackNode client = _net.AddNode();
        AttackNode halfOpen = _net.AddNode();
        AttackNode decoy = _net.AddNode(new TransportOptions { AlwaysRetry = true });
        var blackhole = new IPEndPoint(IPAddress.Parse("127.200.0.1"), 9);
        var templates = new List<GarbageTemplate>();

        // 1. An established session, with traffic both ways on every method, and a beacon.
        var (clientSession, serverSession) = _net.Connect(client, server);
        foreach (DeliveryMethod method in Enum.GetValues<DeliveryMethod>())
        {
            _net.RoundTrip(clientSession, server, (byte)method, method, [.. "to server"u8, (byte)method]);
            _net.RoundTrip(serverSession, client, (byte)method, method, [.. "to client"u8, (byte)method]);
        }

        _net.RoundTrip(clientSession, server, 9, DeliveryMethod.ReliableOrdered, new byte[5000]);
        client.Endpoint.SendUnconnected("beacon"u8, server.Address);
        _net.Run(TimeSpan.FromMilliseconds(20));

        // 2. A handshake the server accepted whose Finish never arrives.
        halfOpen.Socket.OnSend = (datagram, _) => datagram[0] == PacketTypes.Handshake ? Verdict.Drop : Verdict.Pass(datagram);
        Task<Session> halfOpenConnect = halfOpen.Endpoint.ConnectAsync(server.Address);
        _net.RunUntil(() => halfOpenConnect.IsCompleted, TimeSpan.FromSeconds(5), "the half-open connect");

        // 3. A connect of the server's own that got a Retry, whose Response it never sees (kept as a template).
        byte[]? decoyResponse = null;
        server.Socket.OnReceive = (datagram, from) =>
        {
            if (from.Equals(decoy.Address) && datagram[0] == PacketTypes.Handshake)
            {
                decoyResponse = datagram;
                return Verdict.Drop;
            }

            return Verdict.Pass(datagram);
        };
        Task<Session> toDecoy = server.Endpoint.ConnectAsync(decoy.Address);
        _net.RunUntil(() => decoyResponse is not null, TimeSpan.FromSeconds(5), "the decoy's Response");
        templates.Add(new GarbageTemplate("Response", decoyResponse!, decoy.Address));

        // 4. A connect of the server's own that nobody answers.
        Task<Session> toBlackhole = server.Endpoint.ConnectAsync(blackhole);
        _net.Run(TimeSpan.FromMilliseconds(20));

        // Templates: everything the server received, and everything it sent, as if reflected back.
        var cids = new HashSet<ConnectionId> { serverSession.LocalCid, serverSession.RemoteCid, clientSession.LocalCid };
        foreach (SeenDatagram seen in server.Socket.Seen())
        {
            templates.Add(new GarbageTemplate(Kind(seen.Data), seen.Data, seen.Peer));
            CollectCids(seen.Data, cids);
        }

        foreach (SeenDatagram seen in halfOpen.Socket.Seen())
        {
            CollectCids(seen.Data, cids);
        }

        foreach (string kind in new[] { "Initial", "Retry", "Response", "Finish", "Data", "Unconnected" })
        {
            Assert.Contains(templates, t => t.Kind == kind);
        }

        IPEndPoint[] sources = [client.Address, halfOpen.Address, decoy.Address, blackhole, server.Address];
        var generator = new GarbageGenerator(seed: 99, templates, [.. cids], sources);

        foreach (AttackNode node in new[] { server, client, halfOpen, decoy })
        {
            node.Socket.Capture = false;
            node.Socket.TrackAddresses = false;
            node.Socket.ClearSeen();
        }

        // The hook stays: the server's Initial is repeated, and the decoy's answers must stay withheld.
        int serverMessages = server.Handler.Messages.Count;
        int clientMessages = client.Handler.Messages.Count;
        int established = server.Handler.Established.Count;
        long unconnected = DrainUnconnected(server);
        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        byte[] buffer = new byte[65_536];
        for (int i = 0; i < Datagrams; i++)
        {
            int length = generator.Next(buffer, out IPEndPoint source);
            server.Socket.Inject(buffer.AsSpan(0, length), source.Serialize());
            if (i % 500 == 499)
            {
                _net.Time.Advance(TimeSpan.FromMilliseconds(5));
                unconnected += DrainUnconnected(server);
            }
        }

        _net.Run(TimeSpan.FromMilliseconds(200));
        unconnected += DrainUnconnected(server);
        long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);

        EndpointStatistics stats = server.Endpoint.Statistics;
        SessionStatistics sessionStats = serverSession.GetStatistics();
        output.WriteLine($"endpoint: {stats}");
        output.WriteLine($"session: auth failures {sessionStats.AuthenticationFailures}, duplicates {sessionStats.DuplicatePackets}, unconnected {unconnected}");
        output.WriteLine($"memory: {memoryBefore:N0} -> {memoryAfter:N0} bytes");

        // Nothing reached the application as a message or a session, nothing closed.
        Assert.Equal(serverMessages, server.Handler.Messages.Count);
        Assert.Equal(clientMessages, client.Handler.Messages.Count);
        Assert.Equal(established, server.Handler.Established.Count);
        Assert.Empty(server.Handler.Closed);
        Assert.Empty(client.Handler.Closed);
        Assert.True(serverSession.IsOpen);
        Assert.True(clientSession.IsOpen);
        Assert.False(toDecoy.IsCompleted);
        Assert.Equal(0, client.Socket.Statistics.ReceiverFaults);
        Assert.Equal(0, stats.HandlerFaults);
        Assert.True(sessionStats.AuthenticationFailures > 0);
        Assert.True(stats.Malformed > 0);

        // Memory stays flat: no per-datagram state survives (8 MiB covers pooled buffers and the
        // bounded half-open handshakes).
        Assert.True(memoryAfter - memoryBefore < 8 * 1024 * 1024, $"managed memory grew by {memoryAfter - memoryBefore:N0} bytes");

        // The session still works both ways.
        _net.RoundTrip(clientSession, server, 1, DeliveryMethod.ReliableOrdered, "still here"u8.ToArray());
        _net.RoundTrip(serverSession, client, 1, DeliveryMethod.ReliableOrdered, "me too"u8.ToArray());
        _net.RoundTrip(clientSession, server, 2, DeliveryMethod.Unreliable, new byte[3000]);
        GC.KeepAlive(toBlackhole);
    }

    private static string Kind(byte[] datagram) => datagram.Length == 0 ? "Empty" : datagram[0] switch
    {
        PacketTypes.Initial => "Initial",
        PacketTypes.Retry => "Retry",
        PacketTypes.Handshake => datagram.Length >= HandshakeLayout.MinResponseSize ? "Response" : "Finish",
        PacketTypes.Data => "Data",
        PacketTypes.Unconnected => "Unconnected",
        _ => "Other",
    };

    private static void CollectCids(byte[] datagram, HashSet<ConnectionId> cids)
    {
        switch (datagram[0])
        {
            case PacketTypes.Initial when datagram.Length >= HandshakeLayout.InitialKeyOffset:
                cids.Add(ConnectionId.Read(datagram.AsSpan(HandshakeLayout.InitialCidOffset)));
                break;
            case PacketTypes.Handshake when datagram.Length >= HandshakeLayout.HandshakeKeyOffset:
                cids.Add(ConnectionId.Read(datagram.AsSpan(HandshakeLayout.DestinationCidOffset)));
                cids.Add(ConnectionId.Read(datagram.AsSpan(HandshakeLayout.SourceCidOffset)));
                break;
            case PacketTypes.Retry or PacketTypes.Data when datagram.Length >= 1 + ConnectionId.Size:
                cids.Add(ConnectionId.Read(datagram.AsSpan(1)));
                break;
        }
    }

    private static long DrainUnconnected(AttackNode node)
    {
        long count = 0;
        while (node.Handler.Unconnected.TryDequeue(out _))
        {
            count++;
        }

        return count;
    }
}
