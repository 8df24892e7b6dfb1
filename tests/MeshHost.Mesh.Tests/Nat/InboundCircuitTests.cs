using MeshHost.Mesh.Connections;
using MeshHost.Mesh.Nat;
using MeshHost.Mesh.Protocol;
using MeshHost.Transport;

namespace MeshHost.Mesh.Tests.Nat;

/// <summary>Who may open circuits to a node, and how many (docs/nat.md, "Relays").</summary>
public sealed class InboundCircuitTests
{
    [Fact]
    public async Task A_peer_that_does_not_relay_cannot_open_circuits_to_a_node()
    {
        await using var bed = new NatTestBed(seed: 31);
        MeshNode relay = await bed.PublicAsync(1);
        MeshNode victim = await bed.PublicAsync(2, new RelayOptions { Serve = RelayServeMode.Off }, relay);
        MeshNode attacker = await bed.PublicAsync(3, new RelayOptions { Serve = RelayServeMode.Off }, relay, victim);
        await bed.PumpUntilAsync(() => attacker.GetReadyConnection(victim.Id) is not null, "the attacker's session with the victim");
        long malformedBefore = victim.GetNatInfo().Counters.DroppedMalformed;

        SendOpens(attacker, victim, relay.Id, count: 64);
        await bed.RunForAsync(TimeSpan.FromSeconds(2));

        Assert.Equal(0, victim.InboundCircuitCount());
        Assert.Equal(64, victim.GetNatInfo().Counters.DroppedMalformed - malformedBefore);
    }

    [Fact]
    public async Task A_relay_can_open_at_most_eight_circuits_to_one_node()
    {
        await using var bed = new NatTestBed(seed: 32);
        MeshNode relay = await bed.PublicAsync(1);
        MeshNode victim = await bed.PublicAsync(2, new RelayOptions { Serve = RelayServeMode.Off }, relay);
        MeshNode other = await bed.PublicAsync(3, new RelayOptions { Serve = RelayServeMode.Off }, relay);
        await bed.PumpUntilAsync(() => victim.GetReadyConnection(relay.Id)?.PeerServesRelay == true, "the relay to announce it serves", TimeSpan.FromSeconds(120));

        SendOpens(relay, victim, other.Id, count: 20);
        await bed.RunForAsync(TimeSpan.FromSeconds(2));

        Assert.Equal(MeshNode.MaxInboundCircuitsPerRelay, victim.InboundCircuitCount());
    }

    /// <summary>Raw CIRCUIT-OPENs from <paramref name="from"/>, with ids in its half of the leg's id space.</summary>
    private static void SendOpens(MeshNode from, MeshNode to, NodeId source, int count)
    {
        PeerConnection leg = from.GetReadyConnection(to.Id)!;
        uint half = from.Id < to.Id ? 0 : 0x8000_0000;
        for (uint i = 1; i <= count; i++)
        {
            Assert.Equal(SendResult.Queued, leg.Session.TrySend(MeshChannels.Nat, DeliveryMethod.ReliableOrdered, NatCodec.CircuitWithNode(NatMessageType.CircuitOpen, (1000 + i) | half, source)));
        }
    }
}
