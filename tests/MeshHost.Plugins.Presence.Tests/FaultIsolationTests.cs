using MeshHost.Sdk;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.Presence.Tests;

/// <summary>A plugin whose handler throws is contained: counted, then stopped; the node and its other plugins carry on.</summary>
public sealed class FaultIsolationTests
{
    [Fact]
    public async Task A_throwing_handler_is_counted_then_stopped_while_presence_on_the_same_node_keeps_running()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2, new TestMeshOptions { PluginRuntime = new() { MaxFaults = 3 } });
        IReadOnlyList<TestPlugin<PresencePlugin>> presence = await mesh.LoadPresenceAsync();
        TestPlugin<ThrowingPlugin> throwing = await mesh[1].LoadPluginAsync<ThrowingPlugin>(ThrowingPlugin.Id);
        using IChannel<Poke> poke = mesh[0].Mesh.OpenChannel<Poke>(ThrowingPlugin.ChannelName);
        await mesh.AdvanceAsync(TestMesh.ChannelAnnouncementTime);

        for (int i = 1; i <= 3; i++)
        {
            await mesh.WaitAsync(poke.SendAsync(mesh[1].Id, new Poke { Number = i }).AsTask(), TimeSpan.FromSeconds(5));
        }

        await mesh.WaitUntilAsync(() => throwing.FaultCount == 3, TimeSpan.FromSeconds(5), "three faults to be counted");
        Assert.Equal(PluginState.Running, throwing.State);

        // One more than the limit within the window: the runtime stops the plugin, not the node.
        await mesh.WaitAsync(poke.SendAsync(mesh[1].Id, new Poke { Number = 4 }).AsTask(), TimeSpan.FromSeconds(5));
        await mesh.WaitUntilAsync(() => throwing.State == PluginState.Faulted, TimeSpan.FromSeconds(5), "the plugin to be stopped for faulting");

        Assert.Equal(4, throwing.Plugin.Received);
        Assert.Contains("InvalidOperationException", throwing.Reason, StringComparison.Ordinal);
        Assert.Equal(0, throwing.OpenResourceCount);
        Assert.Equal(0, mesh[1].Counters.HandlerFaults);
        Assert.All(presence, p => Assert.Equal(PluginState.Running, p.State));
        Assert.All(presence, p => Assert.Equal(0, p.FaultCount));
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Single(presence[0].Plugin.Online);
        Assert.Single(presence[1].Plugin.Online);

        // Its channel went with it: the next poke is refused, not delivered.
        MeshException refused = await Assert.ThrowsAsync<MeshException>(() => mesh.WaitAsync(poke.SendAsync(mesh[1].Id, new Poke { Number = 5 }).AsTask(), TimeSpan.FromSeconds(5)));
        Assert.Equal(MeshError.ChannelNotOpenedByPeer, refused.Error);
    }
}
