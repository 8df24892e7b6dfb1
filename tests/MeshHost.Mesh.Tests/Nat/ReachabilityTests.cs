using System.Net;
using MeshHost.Mesh.Nat;
using MeshHost.Transport.Testing;

namespace MeshHost.Mesh.Tests.Nat;

/// <summary>
/// Dial-back reachability checks (docs/nat.md): a node learns whether unsolicited datagrams reach
/// it from two peers dialling it back from a second socket, which reflexive reports cannot tell.
/// </summary>
public sealed class ReachabilityTests
{
    [Fact]
    public async Task A_public_node_is_dialled_back_and_counts_as_reachable()
    {
        await using var bed = new NatTestBed(seed: 21);
        (MeshNode r1, MeshNode r2) = await NatTraversalTests.StartRelaysAsync(bed);
        MeshNode c = await bed.PublicAsync(3, null, r1, r2);

        await bed.PumpUntilAsync(() => c.GetNatInfo().Counters.DialBacksReceived > 0, "a dial-back to reach C");

        NatInfo nat = c.GetNatInfo();
        Assert.Equal(NatClass.Public, nat.Class);
        Assert.True(nat.PubliclyReachable);
        Assert.True(nat.RelayServing);
        Assert.True(r1.GetNatInfo().Counters.DialBacksServed + r2.GetNatInfo().Counters.DialBacksServed > 0);
    }

    [Fact]
    public async Task A_public_address_behind_a_stateful_firewall_is_found_unreachable_and_uses_relays()
    {
        await using var bed = new NatTestBed(seed: 22);
        (MeshNode r1, MeshNode r2) = await NatTraversalTests.StartRelaysAsync(bed);

        // The node's own address is the one peers see, at its own port: by the reports alone it is
        // public. But its "router" only lets in replies to flows it started, like a host firewall.
        InMemoryNat firewall = bed.Nat();
        IPAddress own = firewall.Options.PublicAddress;
        bed.Configure = o => o with { LocalAddresses = [own] };
        MeshNode f = await bed.BehindAsync(firewall, 2, r1, r2);
        bed.Configure = null;

        await bed.PumpUntilAsync(() => f.GetNatInfo().PubliclyReachable == false, "the dial-back check to conclude");

        NatInfo nat = f.GetNatInfo();
        Assert.Equal(NatClass.Public, nat.Class);
        Assert.False(nat.RelayServing); // auto: a relay nobody can reach is no relay
        Assert.True(firewall.Dropped > 0);
        await bed.PumpUntilAsync(() => f.GetNatInfo().Relays.Count > 0, "F to reserve a relay, as a NATed node would");

        // Its peer record says so too: another node learns it must go through a relay.
        await bed.RunForAsync(TimeSpan.FromSeconds(4));
        PeerLookup lookup = await bed.PumpAsync(r1.LookUpPeerRecordAsync(f.Id, CancellationToken.None));
        Assert.NotEmpty(lookup.Relays);
    }

    [Fact]
    public async Task A_nat_that_filters_nothing_is_reachable_at_its_reflexive_endpoint()
    {
        await using var bed = new NatTestBed(seed: 23);
        (MeshNode r1, MeshNode r2) = await NatTraversalTests.StartRelaysAsync(bed);
        MeshNode a = await bed.BehindAsync(bed.Nat(filtering: NatFilteringBehavior.EndpointIndependent), 2, r1, r2);

        await bed.PumpUntilAsync(() => a.GetNatInfo().PubliclyReachable == true, "the dial-back to arrive through the full-cone NAT");
        Assert.Equal(NatClass.PortPreserving, a.GetNatInfo().Class);
    }

    [Fact]
    public async Task A_node_behind_a_filtering_nat_is_not_reachable()
    {
        await using var bed = new NatTestBed(seed: 24);
        (MeshNode r1, MeshNode r2) = await NatTraversalTests.StartRelaysAsync(bed);
        MeshNode a = await bed.BehindAsync(bed.Nat(), 2, r1, r2);

        await bed.PumpUntilAsync(() => a.GetNatInfo().PubliclyReachable == false && a.GetNatInfo().Class == NatClass.PortPreserving, "the check to conclude");
        Assert.Equal(0, a.GetNatInfo().Counters.DialBacksReceived);
    }
}
