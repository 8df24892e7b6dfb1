using System.Net;
using MeshHost.Mesh.Nat;
using MeshHost.Transport;
using MeshHost.Transport.Testing;

namespace MeshHost.Mesh.Tests.Nat;

/// <summary>The classification rules of docs/nat.md, on reports made up in the test.</summary>
public sealed class NatObserverTests
{
    private static readonly IPAddress Private = IPAddress.Parse("10.0.0.2");
    private const int LocalPort = 47800;

    private readonly ManualTimeProvider _time = new();
    private readonly NatObserver _observer = new(TimeSpan.FromMinutes(30));
    private readonly Random _random = new(7);

    public NatObserverTests()
    {
        _observer.SetLocal([Private], LocalPort);
    }

    [Fact]
    public void One_reporter_gives_the_reflexive_endpoint_but_no_class()
    {
        Report("198.51.100.1", "203.0.113.5:47800");

        NatSnapshot snapshot = Classify();
        Assert.Equal(NatClass.Unknown, snapshot.Class);
        Assert.Equal(IPEndPoint.Parse("203.0.113.5:47800"), snapshot.Reflexive);
    }

    [Fact]
    public void The_same_translated_port_from_two_addresses_is_port_preserving_when_it_is_our_port()
    {
        Report("198.51.100.1", "203.0.113.5:47800");
        Report("198.51.100.2", "203.0.113.5:47800");

        Assert.Equal(NatClass.PortPreserving, Classify().Class);
    }

    [Fact]
    public void The_same_translated_port_that_is_not_ours_is_endpoint_independent()
    {
        Report("198.51.100.1", "203.0.113.5:20001");
        Report("198.51.100.2", "203.0.113.5:20001");

        NatSnapshot snapshot = Classify();
        Assert.Equal(NatClass.EndpointIndependent, snapshot.Class);
        Assert.Equal(IPEndPoint.Parse("203.0.113.5:20001"), snapshot.Reflexive);
    }

    [Fact]
    public void Different_ports_for_different_destinations_are_symmetric()
    {
        Report("198.51.100.1", "203.0.113.5:20001");
        Report("198.51.100.2", "203.0.113.5:20002");

        Assert.Equal(NatClass.Symmetric, Classify().Class);
    }

    [Fact]
    public void Two_reporters_behind_one_address_do_not_classify()
    {
        // Two peers behind one far NAT are one vantage point: it cannot tell per-destination mapping apart.
        Report("198.51.100.1", "203.0.113.5:20001");
        Report("198.51.100.1", "203.0.113.5:20002");

        Assert.Equal(NatClass.Unknown, Classify().Class);
    }

    [Fact]
    public void Untranslated_reports_from_two_addresses_are_public()
    {
        _observer.SetLocal([IPAddress.Parse("198.51.100.9")], LocalPort);
        Report("198.51.100.1", "198.51.100.9:47800");
        Report("203.0.113.7", "198.51.100.9:47800");

        NatSnapshot snapshot = Classify();
        Assert.Equal(NatClass.Public, snapshot.Class);
        Assert.Null(snapshot.Reflexive);
    }

    [Fact]
    public void One_peer_claiming_a_translated_endpoint_does_not_take_a_public_node_off_duty()
    {
        _observer.SetLocal([IPAddress.Parse("198.51.100.9")], LocalPort);
        Report("198.51.100.1", "198.51.100.9:47800");
        Report("203.0.113.7", "198.51.100.9:47800");
        Report("192.0.2.66", "198.51.100.7:53");

        NatSnapshot snapshot = Classify();
        Assert.Equal(NatClass.Public, snapshot.Class);
        Assert.Null(snapshot.Reflexive);
    }

    [Fact]
    public void Many_identities_on_one_address_vote_once_for_the_reflexive_endpoint()
    {
        for (int i = 0; i < 5; i++)
        {
            Report("192.0.2.66", "198.51.100.7:53");
        }

        Report("198.51.100.1", "203.0.113.5:47800");
        Report("198.51.100.2", "203.0.113.5:47800");

        Assert.Equal(IPEndPoint.Parse("203.0.113.5:47800"), Classify().Reflexive);
    }

    [Fact]
    public void A_lan_peer_seeing_the_private_address_does_not_hide_the_nat()
    {
        Report("10.0.0.3", "10.0.0.2:47800");
        Report("198.51.100.1", "203.0.113.5:47800");
        Report("198.51.100.2", "203.0.113.5:47800");

        Assert.Equal(NatClass.PortPreserving, Classify().Class);
    }

    [Fact]
    public void A_reconfigured_nat_is_reclassified_as_new_reports_replace_old_ones()
    {
        NodeId a = NodeId.Random(_random);
        NodeId b = NodeId.Random(_random);
        Report(a, "198.51.100.1", "203.0.113.5:20001");
        Report(b, "198.51.100.2", "203.0.113.5:20002");
        Assert.Equal(NatClass.Symmetric, Classify().Class);

        // The router switched to port-preserving mapping; both peers reconnect and report again.
        Assert.True(Report(a, "198.51.100.1", "203.0.113.5:47800"));
        Report(b, "198.51.100.2", "203.0.113.5:47800");
        Assert.Equal(NatClass.PortPreserving, Classify().Class);
    }

    [Fact]
    public void Old_reports_age_out()
    {
        Report("198.51.100.1", "203.0.113.5:20001");
        Report("198.51.100.2", "203.0.113.5:20002");
        _time.Advance(TimeSpan.FromMinutes(31));

        NatSnapshot snapshot = Classify();
        Assert.Equal(NatClass.Unknown, snapshot.Class);
        Assert.Null(snapshot.Reflexive);
    }

    [Fact]
    public void Relay_addresses_and_unspecified_addresses_are_never_reflexive()
    {
        Assert.False(Report(NodeId.Random(_random), "198.51.100.1", RelayAddresses.ForIndex(3).ToString()));
        Assert.False(Report(NodeId.Random(_random), "198.51.100.1", "0.0.0.0:5"));
        Assert.Null(Classify().Reflexive);
    }

    [Fact]
    public void The_number_of_reporters_is_bounded()
    {
        for (int i = 0; i < NatObserver.MaxReporters + 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Report($"198.51.{i / 200}.{(i % 200) + 1}", "203.0.113.5:20001");
        }

        // The newest reports win; the classification stays consistent.
        Assert.Equal(NatClass.EndpointIndependent, Classify().Class);
    }

    [Fact]
    public void Closed_reporters_do_not_vote_against_two_live_ones()
    {
        // Two reporters saw the old (symmetric) mapping and left; two live ones see the new one.
        NodeId gone1 = NodeId.Random(_random);
        NodeId gone2 = NodeId.Random(_random);
        Report(gone1, "198.51.100.1", "203.0.113.5:20001");
        Report(gone2, "198.51.100.2", "203.0.113.5:20002");
        _observer.Forget(gone1);
        _observer.Forget(gone2);
        Report("198.51.100.3", "203.0.113.5:47800");
        Report("198.51.100.4", "203.0.113.5:47800");

        Assert.Equal(NatClass.PortPreserving, Classify().Class);
    }

    [Fact]
    public void Closed_reporters_still_vote_while_fewer_than_two_live_ones_remain()
    {
        // A public node whose idle sessions were pruned keeps its class until the reports age out.
        _observer.SetLocal([IPAddress.Parse("192.0.2.1")], LocalPort);
        NodeId a = NodeId.Random(_random);
        NodeId b = NodeId.Random(_random);
        Report(a, "198.51.100.1", "192.0.2.1:47800");
        Report(b, "198.51.100.2", "192.0.2.1:47800");
        _observer.Forget(a);
        _observer.Forget(b);

        Assert.Equal(NatClass.Public, Classify().Class);

        _time.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(NatClass.Unknown, Classify().Class);
    }

    private NatSnapshot Classify() => _observer.Classify(_time.GetTimestamp(), _time);

    private void Report(string reporter, string observed) => Report(NodeId.Random(_random), reporter, observed);

    private bool Report(NodeId id, string reporter, string observed) =>
        _observer.Report(id, IPAddress.Parse(reporter), IPEndPoint.Parse(observed), _time.GetTimestamp(), _time);
}
