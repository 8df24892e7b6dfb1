using System.Net;
using MeshHost.Transport.Discovery;
using MeshHost.Transport.Testing;

namespace MeshHost.Transport.Tests.Discovery;

public sealed class LanDiscoveryTests
{
    [Fact]
    public void Nodes_in_the_port_range_find_each_other_over_the_in_memory_network()
    {
        var time = new ManualTimeProvider();
        var network = new InMemoryNetwork(time, seed: 7);
        var discovered = new List<(NodeId Id, IPEndPoint Address)>();
        var options = new LanDiscoveryOptions { BeaconAddress = IPAddress.Loopback, FirstPort = 47800, PortCount = 4, Interval = TimeSpan.FromSeconds(1) };

        var handlerA = new DiscoveryHandler();
        var handlerB = new DiscoveryHandler();
        using var a = new TransportEndpoint(NodeIdentity.Generate(), network.CreateSocket(new IPEndPoint(IPAddress.Loopback, 47800)), handlerA, timeProvider: time);
        using var b = new TransportEndpoint(NodeIdentity.Generate(), network.CreateSocket(new IPEndPoint(IPAddress.Loopback, 47802)), handlerB, timeProvider: time);
        using var discoveryA = new LanDiscovery(a, options, time);
        using var discoveryB = new LanDiscovery(b, options, time);
        handlerA.Discovery = discoveryA;
        handlerB.Discovery = discoveryB;
        discoveryA.PeerDiscovered += (id, address) => discovered.Add((id, address));

        time.Advance(TimeSpan.FromMilliseconds(10));

        var (id, address) = Assert.Single(discovered);
        Assert.Equal(b.LocalId, id);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 47802), address);
        Assert.Equal(1, discoveryB.BeaconsReceived);

        // Later beacons from the same peer at the same address are not reported again.
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(discovered);
        Assert.True(discoveryA.BeaconsReceived >= 5);
    }

    [Fact]
    public void Beacons_configured_for_loopback_only_go_to_loopback()
    {
        var time = new ManualTimeProvider();
        var network = new InMemoryNetwork(time, seed: 1);
        using var endpoint = new TransportEndpoint(NodeIdentity.Generate(), network.CreateSocket(), new DiscoveryHandler(), timeProvider: time);
        using var discovery = new LanDiscovery(endpoint, new LanDiscoveryOptions { BeaconAddress = IPAddress.Loopback }, time);

        Assert.All(discovery.BeaconDestinations, destination => Assert.True(IPAddress.IsLoopback(destination.Address)));
        Assert.Equal(8, discovery.BeaconDestinations.Count);
    }

    [Fact]
    public void Malformed_or_foreign_payloads_are_not_beacons()
    {
        var time = new ManualTimeProvider();
        var network = new InMemoryNetwork(time, seed: 1);
        using var endpoint = new TransportEndpoint(NodeIdentity.Generate(), network.CreateSocket(), new DiscoveryHandler(), timeProvider: time);
        using var discovery = new LanDiscovery(endpoint, new LanDiscoveryOptions { BeaconAddress = IPAddress.Loopback }, time);
        var source = new IPEndPoint(IPAddress.Loopback, 5000);

        Assert.False(discovery.TryHandle("hello"u8, source));
        Assert.False(discovery.TryHandle(new byte[38], source));
        byte[] almost = new byte[38];
        "MHB1"u8.CopyTo(almost);
        Assert.False(discovery.TryHandle(almost.AsSpan(0, 37), source));
        Assert.Equal(0, discovery.BeaconsReceived);
    }

    [Fact]
    [Trait("Category", "Loopback")]
    public async Task A_beacon_crosses_real_loopback_sockets()
    {
        var handlerA = new DiscoveryHandler();
        using var a = TransportEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), NodeIdentity.Generate(), handlerA);
        using var b = TransportEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), NodeIdentity.Generate(), new DiscoveryHandler());
        var found = new TaskCompletionSource<(NodeId, IPEndPoint)>(TaskCreationOptions.RunContinuationsAsynchronously);

        // The range is just A's port: B's beacon reaches A, and nothing else is sent anywhere.
        var options = new LanDiscoveryOptions { BeaconAddress = IPAddress.Loopback, FirstPort = a.LocalEndPoint.Port, PortCount = 1 };
        using var discoveryA = new LanDiscovery(a, options);
        handlerA.Discovery = discoveryA;
        discoveryA.PeerDiscovered += (id, address) => found.TrySetResult((id, address));
        using var discoveryB = new LanDiscovery(b, options);

        var (id, address) = await found.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(b.LocalId, id);
        Assert.Equal(b.LocalEndPoint, address);
    }

    private sealed class DiscoveryHandler : ITransportHandler
    {
        public LanDiscovery? Discovery { get; set; }

        public void OnSessionEstablished(Session session)
        {
        }

        public void OnMessage(Session session, byte channel, DeliveryMethod method, ReadOnlySpan<byte> message)
        {
        }

        public void OnSessionClosed(Session session, CloseReason reason)
        {
        }

        public void OnUnconnectedDatagram(ReadOnlySpan<byte> payload, IPEndPoint source) => Discovery?.TryHandle(payload, source);
    }
}
