using MeshHost.Mesh.Nat;
using MeshHost.Transport.Testing;

namespace MeshHost.Mesh.Tests.Nat;

/// <summary>Circuit ids picked by different nodes never collide (docs/nat.md, "Circuit ids").</summary>
public sealed class CircuitIdTests
{
    [Fact]
    public async Task A_node_reached_through_a_relay_can_dial_out_through_the_same_relay_and_both_circuits_keep_working()
    {
        await using var bed = new NatTestBed(seed: 21);
        MeshNode relay = await bed.PublicAsync(1);
        await bed.PublicAsync(2, new RelayOptions { Serve = RelayServeMode.Off }, relay);
        MeshNode b = await bed.BehindAsync(bed.Nat(NatMappingBehavior.AddressAndPortDependent), 2, relay);
        MeshNode a = await bed.BehindAsync(bed.Nat(NatMappingBehavior.AddressAndPortDependent), 2, relay);
        MeshNode c = await bed.BehindAsync(bed.Nat(NatMappingBehavior.AddressAndPortDependent), 2, relay);
        await NatTraversalTests.WaitForRelaysAsync(bed, a, b, c);

        // A's circuit makes the relay pick B's leg id; B's own dial then picks its first id on the
        // same leg. Before ids were split by picker, both were 1: the relay refused B's dial and B
        // overwrote the circuit of the running A-B session.
        await bed.PumpAsync(a.ConnectAsync(b.LocalId), TimeSpan.FromSeconds(60));
        await bed.PumpAsync(b.ConnectAsync(c.LocalId), TimeSpan.FromSeconds(60));

        Assert.True(Assert.Single(b.GetPeerPaths(), p => p.Id == c.Id).Relayed);
        Assert.True(Assert.Single(b.GetPeerPaths(), p => p.Id == a.Id).Relayed);
        Assert.Equal(2, relay.GetNatInfo().ActiveCircuits);
        Assert.Equal(0, relay.GetNatInfo().Counters.CircuitsRefused);

        // Both sessions still carry traffic after the second circuit opened.
        await bed.RunForAsync(TimeSpan.FromSeconds(40));
        Assert.NotNull(a.GetReadyConnection(b.Id));
        Assert.NotNull(b.GetReadyConnection(c.Id));
        Assert.Equal(2, relay.GetNatInfo().ActiveCircuits);
    }
}
