using System.Net;

namespace MeshHost.Mesh.Tests.Nat;

/// <summary>What a punch offer can make a node send (docs/nat.md, "Hole punching").</summary>
public sealed class PunchBoundsTests
{
    [Theory]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("255.255.255.255")]
    [InlineData("ff02::1")]
    public void Multicast_and_broadcast_are_never_usable_addresses(string address)
    {
        Assert.False(MeshHost.Mesh.Nat.NatObserver.IsUsable(IPAddress.Parse(address)));
    }

    [Fact]
    public void A_unicast_address_is_usable()
    {
        Assert.True(MeshHost.Mesh.Nat.NatObserver.IsUsable(IPAddress.Parse("198.51.100.7")));
    }

    [Fact]
    public async Task Probes_are_bounded_node_wide_and_the_budget_refills_over_time()
    {
        await using var bed = new NatTestBed(seed: 41);
        MeshNode node = await bed.PublicAsync(1);

        int sent = 0;
        for (int i = 0; i < 3 * MeshNode.MaxProbesPerSecond; i++)
        {
            sent += node.TakeProbeToken() ? 1 : 0;
        }

        Assert.Equal(MeshNode.MaxProbesPerSecond, sent);
        Assert.Equal(2 * MeshNode.MaxProbesPerSecond, node.ProbesDroppedByBudget);

        bed.Time.Advance(TimeSpan.FromMilliseconds(500));
        sent = 0;
        for (int i = 0; i < MeshNode.MaxProbesPerSecond; i++)
        {
            sent += node.TakeProbeToken() ? 1 : 0;
        }

        Assert.Equal(MeshNode.MaxProbesPerSecond / 2, sent);
    }
}
