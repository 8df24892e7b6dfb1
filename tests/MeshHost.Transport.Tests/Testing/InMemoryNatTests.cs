using System.Net;
using MeshHost.Transport.Testing;

namespace MeshHost.Transport.Tests.Testing;

/// <summary>The simulated NATs behave like the RFC 4787 behaviours they are named after.</summary>
public sealed class InMemoryNatTests
{
    private static readonly IPAddress NatAddress = IPAddress.Parse("203.0.113.1");
    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryNetwork _network;
    private readonly DeliveryRecorder _recorder;

    public InMemoryNatTests()
    {
        _network = new InMemoryNetwork(_time, seed: 5);
        _recorder = new DeliveryRecorder(_time);
    }

    [Fact]
    public void Endpoint_independent_mapping_keeps_one_external_port_and_preserves_it()
    {
        InMemoryNat nat = _network.AddNat(new InMemoryNatOptions { PublicAddress = NatAddress });
        using InMemoryDatagramSocket inside = nat.CreateSocket(IPEndPoint.Parse("10.0.0.2:47800"));
        using InMemoryDatagramSocket x = Outside("198.51.100.1:9000");
        using InMemoryDatagramSocket y = Outside("198.51.100.2:9000");
        _recorder.Attach(inside);

        Send(inside, x, 1);
        Send(inside, y, 2);
        _time.Advance(TimeSpan.Zero);

        Assert.All(_recorder.Deliveries.Where(d => d.Destination.Port == 9000), d => Assert.Equal(IPEndPoint.Parse("203.0.113.1:47800"), d.Source));
        Assert.Equal(2, _recorder.Deliveries.Count);
    }

    [Fact]
    public void Symmetric_mapping_uses_a_port_per_destination()
    {
        InMemoryNat nat = _network.AddNat(new InMemoryNatOptions { PublicAddress = NatAddress, Mapping = NatMappingBehavior.AddressAndPortDependent });
        using InMemoryDatagramSocket inside = nat.CreateSocket(IPEndPoint.Parse("10.0.0.2:47800"));
        using InMemoryDatagramSocket x = Outside("198.51.100.1:9000");
        using InMemoryDatagramSocket y = Outside("198.51.100.2:9000");

        Send(inside, x, 1);
        Send(inside, y, 2);
        _time.Advance(TimeSpan.Zero);

        IPEndPoint[] sources = [.. _recorder.Deliveries.Select(d => d.Source)];
        Assert.Equal(2, sources.Length);
        Assert.All(sources, s => Assert.Equal(NatAddress, s.Address));
        Assert.NotEqual(sources[0].Port, sources[1].Port);
    }

    [Fact]
    public void Port_restricted_filtering_admits_only_endpoints_the_inside_sent_to()
    {
        InMemoryNat nat = _network.AddNat(new InMemoryNatOptions { PublicAddress = NatAddress });
        using InMemoryDatagramSocket inside = nat.CreateSocket(IPEndPoint.Parse("10.0.0.2:47800"));
        using InMemoryDatagramSocket x = Outside("198.51.100.1:9000");
        using InMemoryDatagramSocket xOtherPort = Outside("198.51.100.1:9001");
        _recorder.Attach(inside);
        var mapped = IPEndPoint.Parse("203.0.113.1:47800");

        SendTo(x, mapped, 1); // unsolicited: no mapping yet
        _time.Advance(TimeSpan.Zero);
        Send(inside, x, 2);
        SendTo(x, mapped, 3);
        SendTo(xOtherPort, mapped, 4);
        _time.Advance(TimeSpan.Zero);

        Delivery reply = Assert.Single(_recorder.Deliveries, d => d.Destination.Equals(inside.LocalEndPoint));
        Assert.Equal(3, reply.Number);
        Assert.Equal(2, nat.Dropped);
        Assert.Equal(2, _network.Statistics.DroppedByNat);
    }

    [Fact]
    public void Address_dependent_filtering_admits_any_port_of_an_address_the_inside_sent_to()
    {
        InMemoryNat nat = _network.AddNat(new InMemoryNatOptions { PublicAddress = NatAddress, Filtering = NatFilteringBehavior.AddressDependent });
        using InMemoryDatagramSocket inside = nat.CreateSocket(IPEndPoint.Parse("10.0.0.2:47800"));
        using InMemoryDatagramSocket x = Outside("198.51.100.1:9000");
        using InMemoryDatagramSocket xOtherPort = Outside("198.51.100.1:9001");
        using InMemoryDatagramSocket y = Outside("198.51.100.2:9000");
        _recorder.Attach(inside);
        var mapped = IPEndPoint.Parse("203.0.113.1:47800");

        Send(inside, x, 1);
        SendTo(xOtherPort, mapped, 2);
        SendTo(y, mapped, 3);
        _time.Advance(TimeSpan.Zero);

        Assert.Equal([2], _recorder.Deliveries.Where(d => d.Destination.Equals(inside.LocalEndPoint)).Select(d => d.Number));
    }

    [Fact]
    public void A_mapping_expires_after_its_timeout_without_traffic_and_traffic_keeps_it()
    {
        InMemoryNat nat = _network.AddNat(new InMemoryNatOptions { PublicAddress = NatAddress, MappingTimeout = TimeSpan.FromSeconds(30) });
        using InMemoryDatagramSocket inside = nat.CreateSocket(IPEndPoint.Parse("10.0.0.2:47800"));
        using InMemoryDatagramSocket x = Outside("198.51.100.1:9000");
        _recorder.Attach(inside);
        var mapped = IPEndPoint.Parse("203.0.113.1:47800");

        Send(inside, x, 1);
        _time.Advance(TimeSpan.FromSeconds(20));
        Send(inside, x, 2); // a keepalive refreshes the mapping
        _time.Advance(TimeSpan.FromSeconds(20));
        SendTo(x, mapped, 3);
        _time.Advance(TimeSpan.FromSeconds(31));
        SendTo(x, mapped, 4);
        _time.Advance(TimeSpan.Zero);

        Assert.Equal([3], _recorder.Deliveries.Where(d => d.Destination.Equals(inside.LocalEndPoint)).Select(d => d.Number));
        Assert.Equal(0, nat.MappingCount);
    }

    [Fact]
    public void Rebind_gives_a_new_external_port_and_drops_traffic_to_the_old_one()
    {
        InMemoryNat nat = _network.AddNat(new InMemoryNatOptions { PublicAddress = NatAddress, PreservePort = false });
        using InMemoryDatagramSocket inside = nat.CreateSocket(IPEndPoint.Parse("10.0.0.2:47800"));
        using InMemoryDatagramSocket x = Outside("198.51.100.1:9000");

        Send(inside, x, 1);
        _time.Advance(TimeSpan.Zero);
        nat.Rebind();
        Send(inside, x, 2);
        _time.Advance(TimeSpan.Zero);

        IPEndPoint[] sources = [.. _recorder.Deliveries.Select(d => d.Source)];
        Assert.Equal(2, sources.Length);
        Assert.NotEqual(sources[0], sources[1]);
    }

    [Fact]
    public void Sockets_behind_one_nat_reach_each_other_at_their_private_addresses()
    {
        InMemoryNat nat = _network.AddNat(new InMemoryNatOptions { PublicAddress = NatAddress });
        using InMemoryDatagramSocket a = nat.CreateSocket(IPEndPoint.Parse("10.0.0.2:47800"));
        using InMemoryDatagramSocket b = nat.CreateSocket(IPEndPoint.Parse("10.0.0.3:47800"));
        _recorder.Attach(b);

        Send(a, b, 1);
        _time.Advance(TimeSpan.Zero);

        Assert.Equal(a.LocalEndPoint, Assert.Single(_recorder.Deliveries).Source);
        Assert.Equal(0, nat.MappingCount);
    }

    [Fact]
    public void Two_nats_cannot_share_a_public_address()
    {
        _network.AddNat(new InMemoryNatOptions { PublicAddress = NatAddress });
        Assert.Throws<ArgumentException>(() => _network.AddNat(new InMemoryNatOptions { PublicAddress = NatAddress }));
    }

    private InMemoryDatagramSocket Outside(string endPoint)
    {
        InMemoryDatagramSocket socket = _network.CreateSocket(IPEndPoint.Parse(endPoint));
        _recorder.Attach(socket);
        return socket;
    }

    private static void Send(InMemoryDatagramSocket from, InMemoryDatagramSocket to, int number) => SendTo(from, to.LocalEndPoint, number);

    private static void SendTo(InMemoryDatagramSocket from, IPEndPoint to, int number) => from.Send(BitConverter.GetBytes(number), to.Serialize());
}
