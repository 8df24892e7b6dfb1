using System.Collections.Concurrent;
using MeshHost.Sdk;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.Presence.Tests;

/// <summary>The testing kit itself: its clock drives plugin timers, its partitions cut and heal links, its waits fail in virtual time.</summary>
public sealed class KitTests
{
    [Fact]
    public async Task Advancing_the_clock_fires_a_plugins_timer_once_per_period_and_stopping_releases_it()
    {
        // One node and nothing but timers: coarse steps are enough.
        await using TestMesh mesh = await TestMesh.StartAsync(1, new TestMeshOptions { Step = TimeSpan.FromMilliseconds(100) });
        TestPlugin<TickingPlugin> ticking = await mesh[0].LoadPluginAsync<TickingPlugin>(TickingPlugin.Id);
        Assert.Equal(1, ticking.OpenResourceCount);

        await mesh.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(5, ticking.Plugin.Ticks);

        await ticking.StopAsync();
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(5, ticking.Plugin.Ticks);
        Assert.Equal(0, ticking.OpenResourceCount);
        Assert.Equal(PluginState.Stopped, ticking.State);
        Assert.True(Directory.Exists(Path.Combine(mesh[0].DataDirectory, "plugins", TickingPlugin.Id)), "the plugin's data directory was not created");
    }

    [Fact]
    public async Task A_partition_drops_what_is_sent_across_and_healing_restores_the_link()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        var received = new ConcurrentQueue<int>();
        using IChannel<Poke> sender = mesh[0].Mesh.OpenChannel<Poke>("kit/poke", Delivery.Unreliable);
        using IChannel<Poke> receiver = mesh[1].Mesh.OpenChannel<Poke>("kit/poke", Delivery.Unreliable);
        using IDisposable handler = receiver.OnReceived((_, poke, _) =>
        {
            received.Enqueue(poke.Number);
            return ValueTask.CompletedTask;
        });
        await mesh.AdvanceAsync(TestMesh.ChannelAnnouncementTime);

        mesh.Partition(mesh[0], mesh[1]);
        await mesh.WaitAsync(sender.SendAsync(mesh[1].Id, new Poke { Number = 1 }).AsTask(), TimeSpan.FromSeconds(1));
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Empty(received);

        mesh.Heal(mesh[0], mesh[1]);
        await mesh.WaitAsync(sender.SendAsync(mesh[1].Id, new Poke { Number = 2 }).AsTask(), TimeSpan.FromSeconds(1));
        await mesh.WaitUntilAsync(() => !received.IsEmpty, TimeSpan.FromSeconds(1), "the poke sent after healing");
        Assert.Equal([2], received);
    }

    [Fact]
    public async Task A_wait_that_is_never_satisfied_fails_after_its_virtual_timeout()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(1);
        TimeSpan before = mesh.Elapsed;

        TimeoutException timeout = await Assert.ThrowsAsync<TimeoutException>(() => mesh.WaitUntilAsync(() => false, TimeSpan.FromSeconds(3), "nothing"));

        Assert.Contains("nothing", timeout.Message, StringComparison.Ordinal);
        Assert.InRange(mesh.Elapsed - before, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3.1));
    }

    [Fact]
    public async Task A_node_added_later_joins_the_mesh_and_the_clock_only_moves_through_the_kit()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        TestNode third = await mesh.AddNodeAsync();

        Assert.Equal(2, third.Index);
        Assert.Equal(2, third.ConnectedPeers.Count);
        TimeSpan now = mesh.Elapsed;
        await Task.Delay(50);
        Assert.Equal(now, mesh.Elapsed);
    }
}
