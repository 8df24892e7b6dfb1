using MeshHost.Mesh.PubSub;
using MeshHost.Mesh.PubSub.Simulation;

namespace MeshHost.Mesh.Tests.PubSub;

/// <summary>Whole gossip networks on the simulator: delivery under loss, mesh degrees, leaving, fanout.</summary>
public class GossipNetworkTests
{
    private const string Topic = "chat/lobby";

    [Fact]
    public void Every_node_receives_every_message_exactly_once_despite_ten_percent_loss()
    {
        using var sim = new PubSubSimulation(nodes: 20, seed: 7);
        sim.Network.LossRate = 0.10;
        sim.SubscribeAll(Topic);
        sim.RunFor(TimeSpan.FromSeconds(5));

        int[] publishers = [0, 5, 11, 17, 19];
        for (int i = 0; i < 50; i++)
        {
            sim.Publish(publishers[i % publishers.Length], Topic);
            sim.RunFor(TimeSpan.FromMilliseconds(100));
        }

        // Enough heartbeats for IHAVE/IWANT to repair every loss.
        sim.RunFor(TimeSpan.FromSeconds(10));

        Assert.True(sim.Network.FramesLost > 0, "the network lost nothing, so repair was not tested");
        for (int message = 0; message < 50; message++)
        {
            for (int node = 0; node < 20; node++)
            {
                Assert.True(sim.Deliveries.Count(message, node) == 1, $"node {node} received message {message} {sim.Deliveries.Count(message, node)} times");
            }
        }

        Assert.Equal(0, sim.Sum(s => s.InternalErrors));
        Assert.True(sim.Sum(s => s.IWantServed) > 0, "no message was repaired by gossip");
    }

    [Fact]
    public void Mesh_degrees_stay_within_DLow_and_DHigh_after_heartbeats()
    {
        using var sim = new PubSubSimulation(nodes: 40, seed: 3, degree: 14);
        sim.SubscribeAll(Topic);
        for (int beat = 0; beat < 10; beat++)
        {
            sim.RunFor(sim.Options.HeartbeatInterval);
            if (beat < 3)
            {
                continue;
            }

            for (int node = 0; node < 40; node++)
            {
                int degree = sim.Routers[node].MeshPeers(Topic).Count;
                Assert.InRange(degree, sim.Options.DLow, sim.Options.DHigh);
            }
        }
    }

    [Fact]
    public void Unsubscribing_stops_delivery_and_takes_the_node_out_of_every_mesh()
    {
        using var sim = new PubSubSimulation(nodes: 12, seed: 11);
        sim.SubscribeAll(Topic);
        sim.RunFor(TimeSpan.FromSeconds(3));
        Assert.Contains(sim.Routers, r => r.MeshPeers(Topic).Contains(sim.Id(4)));

        sim.Unsubscribe(4, Topic);
        sim.RunFor(TimeSpan.FromSeconds(3));
        int message = sim.Publish(0, Topic);
        sim.RunFor(TimeSpan.FromSeconds(5));

        Assert.Empty(sim.Routers[4].Topics);
        Assert.Empty(sim.Routers[4].MeshPeers(Topic));
        Assert.DoesNotContain(sim.Routers, r => r.MeshPeers(Topic).Contains(sim.Id(4)));
        Assert.Equal(0, sim.Deliveries.Count(message, 4));
        for (int node = 0; node < 12; node++)
        {
            Assert.Equal(node == 4 ? 0 : 1, sim.Deliveries.Count(message, node));
        }
    }

    [Fact]
    public void Publishing_without_subscribing_reaches_every_subscriber_through_the_fanout()
    {
        using var sim = new PubSubSimulation(nodes: 20, seed: 5);
        for (int node = 1; node < 20; node++)
        {
            sim.Subscribe(node, Topic);
        }

        sim.RunFor(TimeSpan.FromSeconds(3));
        var messages = new List<int>();
        for (int i = 0; i < 5; i++)
        {
            messages.Add(sim.Publish(0, Topic));
            sim.RunFor(TimeSpan.FromMilliseconds(200));
        }

        sim.RunFor(TimeSpan.FromSeconds(5));
        Assert.Empty(sim.Routers[0].Topics);
        Assert.InRange(sim.Routers[0].FanoutPeers(Topic).Count, 1, sim.Options.D);
        foreach (int message in messages)
        {
            Assert.Equal(0, sim.Deliveries.Count(message, 0));
            for (int node = 1; node < 20; node++)
            {
                Assert.Equal(1, sim.Deliveries.Count(message, node));
            }
        }

        // Unused, the fanout expires.
        sim.RunFor(sim.Options.FanoutTtl + TimeSpan.FromSeconds(2));
        Assert.Empty(sim.Routers[0].FanoutPeers(Topic));
    }

    [Fact]
    public void A_subscriber_with_no_topic_peers_asks_the_links_for_some_at_a_limited_rate()
    {
        using var sim = new PubSubSimulation(nodes: 6, seed: 2);
        for (int peer = 0; peer < 5; peer++)
        {
            sim.Unlink(5, peer);
        }

        sim.Subscribe(5, Topic);
        Assert.Equal([Topic], sim.TopicPeerRequests[5]);

        sim.RunFor(TimeSpan.FromSeconds(10));
        Assert.Single(sim.TopicPeerRequests[5]);

        sim.RunFor(new GossipOptions().TopicPeerRequestInterval);
        Assert.Equal(2, sim.TopicPeerRequests[5].Count);
    }
}
