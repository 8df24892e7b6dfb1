using MeshHost.Dht.Simulation;
using MeshHost.Transport;

namespace MeshHost.Dht.Tests;

public class SimulationTests
{
    [Fact]
    public void FindNode_in_a_joined_network_finds_the_true_closest_node()
    {
        var sim = new DhtSimulation(seed: 1);
        sim.Grow(500);
        var random = new Random(2);
        int found = 0;
        var hops = new List<int>();
        const int Lookups = 200;
        for (int i = 0; i < Lookups; i++)
        {
            DhtNode from = sim.Nodes[random.Next(sim.Nodes.Count)];
            NodeId target = NodeId.Random(random);
            LookupResult result = sim.Run(from.FindNodeAsync(target), TimeSpan.FromMinutes(1));
            if (result.Closest.Count > 0 && result.Closest[0].Id == sim.TrueClosest(target, from).Id)
            {
                found++;
            }

            hops.Add(result.Hops);
        }

        hops.Sort();
        Assert.True(found >= Lookups * 0.99, $"found {found}/{Lookups}");
        Assert.True(hops[hops.Count / 2] <= 4, $"median hops {hops[hops.Count / 2]}");
    }
}
