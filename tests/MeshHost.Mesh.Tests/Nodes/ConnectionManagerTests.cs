using MeshHost.Transport;
using MeshHost.Transport.Testing;

namespace MeshHost.Mesh.Tests.Nodes;

/// <summary>
/// The connection manager on an in-memory network with a manual clock: pruning idle sessions down
/// to the target, and dialling back up to it. Nothing here waits on real time.
/// </summary>
public sealed class ConnectionManagerTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(20);

    [Fact]
    public async Task Idle_sessions_beyond_the_target_are_pruned()
    {
        var time = new ManualTimeProvider();
        var network = new InMemoryNetwork(time, seed: 1);
        await using var mesh = new TestNodes();
        MeshNode seed = await StartAsync(mesh, network, time, null, target: 2);
        for (int i = 0; i < 4; i++)
        {
            await StartAsync(mesh, network, time, seed, target: 0);
        }

        await PumpUntilAsync(time, () => seed.Connected.Count == 4, "the seed to have four peers");

        // Nothing is sent for longer than the idle timeout: the seed keeps two sessions.
        await PumpUntilAsync(time, () => seed.Connected.Count == 2, "the seed to prune to its target", TimeSpan.FromMinutes(1));
        Assert.Equal(2, seed.Counters.SessionsPruned);
    }

    [Fact]
    public async Task A_node_below_its_target_dials_contacts_from_its_routing_table()
    {
        var time = new ManualTimeProvider();
        var network = new InMemoryNetwork(time, seed: 2);
        await using var mesh = new TestNodes();
        MeshNode seed = await StartAsync(mesh, network, time, null, target: 0);
        for (int i = 0; i < 5; i++)
        {
            await StartAsync(mesh, network, time, seed, target: 0);
        }

        MeshNode node = await StartAsync(mesh, network, time, seed, target: 4);
        await PumpUntilAsync(time, () => node.Dht.RoutingTableCount >= 5, "the node to learn the others");

        // Drop every session but the seed's; the node dials back up to its target.
        foreach (var peer in node.Connected)
        {
            if (peer.Id != seed.LocalId)
            {
                node.GetReadyConnection(peer.Id.ToNodeId())!.Session.Close("test", CloseCode.Application);
            }
        }

        await PumpUntilAsync(time, () => node.Connected.Count == 1, "the sessions to close");
        await PumpUntilAsync(time, () => node.Connected.Count >= 4, "the node to dial back up to four peers", TimeSpan.FromSeconds(30));
    }

    /// <summary>Starts a node; only nodes with a target above zero prune, so the others never close sessions themselves.</summary>
    private static Task<MeshNode> StartAsync(TestNodes mesh, InMemoryNetwork network, ManualTimeProvider time, MeshNode? seed, int target)
    {
        Task<MeshNode> start = mesh.StartAsync(seed, o => o with
        {
            TimeProvider = time,
            TargetConnections = target,
            IdleConnectionTimeout = target > 0 ? TimeSpan.FromSeconds(20) : TimeSpan.FromDays(1),
            MaintenanceInterval = TimeSpan.FromSeconds(2),
        }, network.CreateSocket());
        return PumpAsync(time, start);
    }

    private static async Task<T> PumpAsync<T>(ManualTimeProvider time, Task<T> task)
    {
        await PumpUntilAsync(time, () => task.IsCompleted, "the operation to complete");
        return await task;
    }

    /// <summary>Moves the clock in small steps, letting continuations run, until the condition holds.</summary>
    private static async Task PumpUntilAsync(ManualTimeProvider time, Func<bool> condition, string what, TimeSpan? virtualLimit = null)
    {
        TimeSpan limit = virtualLimit ?? TimeSpan.FromSeconds(30);
        TimeSpan elapsed = TimeSpan.Zero;
        while (!condition())
        {
            if (elapsed > limit)
            {
                Assert.Fail($"Not reached within {limit} of virtual time: {what}");
            }

            time.Advance(Step);
            elapsed += Step;

            // Continuations run on the thread pool: give them a moment of real time per step so
            // the virtual clock cannot outrun them (a 1 s DHT timeout is 50 steps).
            await Task.Delay(1);
        }
    }
}
