using MeshHost.Transport.Testing;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>
/// Path MTU discovery (docs/transport.md): sessions start at 1200 bytes and binary-search up to
/// what the path carries, stopping within 1% (or 32 bytes) of it.
/// </summary>
public sealed class MtuDiscoveryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan OneWay = TimeSpan.FromMilliseconds(10);

    [Theory]
    [InlineData(1500, false)]
    [InlineData(9000, false)]
    [InlineData(1500, true)]
    [InlineData(9000, true)]
    public void The_datagram_size_converges_just_below_the_path_mtu(int mtu, bool onlyThePathKnows)
    {
        // Either the whole network has the MTU (the socket reports it, as an interface MTU would),
        // or only the links between the two nodes do (the socket allows 65,507 bytes and the path
        // refuses larger datagrams, as a router with DF set would).
        using var harness = new SessionHarness(conditions: new LinkConditions { Latency = OneWay, Mtu = onlyThePathKnows ? 65_507 : mtu });
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        if (onlyThePathKnows)
        {
            var path = new LinkConditions { Latency = OneWay, Mtu = mtu };
            harness.Network.SetConditions(clientEndpoint.LocalEndPoint, serverEndpoint.LocalEndPoint, path);
            harness.Network.SetConditions(serverEndpoint.LocalEndPoint, clientEndpoint.LocalEndPoint, path);
        }

        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);
        Exchange(harness, client, serverHandler, TimeSpan.FromSeconds(10));

        int tolerance = Math.Max(32, mtu / 100);
        foreach (Session session in (Session[])[client, server])
        {
            int size = session.GetStatistics().DatagramSize;
            output.WriteLine($"{(session.IsInitiator ? "client" : "server")}: {size} for a path MTU of {mtu}");
            Assert.InRange(size, mtu - tolerance, mtu);
        }

        Assert.True(client.IsOpen && server.IsOpen);
    }

    [Fact]
    public void The_datagram_size_grows_on_a_path_that_carries_the_largest_datagrams()
    {
        using var harness = new SessionHarness(conditions: new LinkConditions { Latency = OneWay });
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);
        Exchange(harness, client, serverHandler, TimeSpan.FromSeconds(10));

        foreach (Session session in (Session[])[client, server])
        {
            Assert.InRange(session.GetStatistics().DatagramSize, 65_507 - 655, 65_507);
        }
    }

    [Fact]
    public void Without_discovery_the_datagram_size_stays_at_1200()
    {
        using var harness = new SessionHarness(options: new TransportOptions { EnableMtuDiscovery = false }, conditions: new LinkConditions { Latency = OneWay });
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);
        Exchange(harness, client, serverHandler, TimeSpan.FromSeconds(10));

        Assert.Equal(1200, client.GetStatistics().DatagramSize);
        Assert.Equal(1200, server.GetStatistics().DatagramSize);
        Assert.Equal(0, harness.Network.Statistics.RejectedTooLarge);
    }

    [Fact]
    public void A_new_sessions_first_reply_does_not_wait_behind_a_probe_the_path_refuses()
    {
        // The sockets allow 65,507 bytes, the links between the nodes 1500 (an Ethernet interface
        // with DF set refuses larger datagrams at once). The first probe, far larger than a new
        // session's congestion window, must not hold the window until the probe timeout.
        using var harness = new SessionHarness(conditions: new LinkConditions { Latency = OneWay });
        var (clientEndpoint, clientHandler) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var path = new LinkConditions { Latency = OneWay, Mtu = 1500 };
        harness.Network.SetConditions(clientEndpoint.LocalEndPoint, serverEndpoint.LocalEndPoint, path);
        harness.Network.SetConditions(serverEndpoint.LocalEndPoint, clientEndpoint.LocalEndPoint, path);
        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);

        Assert.Equal(SendResult.Queued, server.TrySend(0, DeliveryMethod.ReliableOrdered, new byte[200]));
        harness.RunUntil(() => !clientHandler.Messages.IsEmpty, TimeSpan.FromMilliseconds(100)); // one way is 10 ms; the probe timeout ~1 s
        Assert.True(harness.Network.Statistics.RejectedTooLarge > 0); // a probe was refused on the way
        Assert.True(client.IsOpen);
    }

    /// <summary>Keeps reliable data flowing both ways for <paramref name="duration"/> (a 4 KB message each way every 50 ms).</summary>
    private static void Exchange(SessionHarness harness, Session client, RecordingHandler serverHandler, TimeSpan duration)
    {
        serverHandler.RecordMessages = false;
        serverHandler.OnMessageCallback = (session, channel, method, message) => session.TrySend(channel, method, message);
        byte[] message = new byte[4096];
        for (TimeSpan end = harness.Now + duration; harness.Now < end;)
        {
            Assert.Equal(SendResult.Queued, client.TrySend(0, DeliveryMethod.ReliableOrdered, message));
            harness.Run(TimeSpan.FromMilliseconds(50));
        }
    }
}
