using System.Text.Json;
using MeshHost.Sdk;
using MeshHost.Sdk.Testing;
using MeshHost.Transport.Testing;

namespace MeshHost.Plugins.Presence.Tests;

/// <summary>The presence plugin on the kit's in-memory mesh: beats every virtual second.</summary>
public sealed class PresenceTests
{
    /// <summary>Three beats and a half: how long an unheard peer stays in a table.</summary>
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(3.5);

    [Fact]
    public async Task Five_nodes_see_each_other_online_within_a_few_beats()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(5);
        IReadOnlyList<TestPlugin<PresencePlugin>> presence = await mesh.LoadPresenceAsync();

        await mesh.WaitUntilAsync(() => AllSeeAll(presence), TimeSpan.FromSeconds(5), "every node to list the four others");

        foreach (TestPlugin<PresencePlugin> plugin in presence)
        {
            Assert.Equal(PluginState.Running, plugin.State);
            Assert.DoesNotContain(plugin.Node.Id, Ids(plugin));
            Assert.All(plugin.Plugin.Online, entry => Assert.True(entry.LastSeen <= Expiry, $"{entry.Peer.ToShortString()} last seen {entry.LastSeen} ago"));
        }
    }

    [Fact]
    public async Task A_partitioned_node_expires_from_the_others_and_comes_back_after_healing()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(5);
        IReadOnlyList<TestPlugin<PresencePlugin>> presence = await mesh.LoadPresenceAsync();
        await mesh.WaitUntilAsync(() => AllSeeAll(presence), TimeSpan.FromSeconds(5), "every node to list the four others");

        TestNode cut = mesh[4];
        mesh.Isolate(cut);
        TimeSpan isolatedAt = mesh.Elapsed;
        await mesh.WaitUntilAsync(
            () => presence.All(p => p.Node == cut ? p.Plugin.Online.Count == 0 : !Ids(p).Contains(cut.Id)),
            TimeSpan.FromSeconds(6),
            "the isolated node and the others to expire each other");

        // Not before three beats were missed: a late beat is not a departure.
        Assert.True(mesh.Elapsed - isolatedAt >= TimeSpan.FromSeconds(3), $"expired after {mesh.Elapsed - isolatedAt}");
        Assert.All(presence.Where(p => p.Node != cut), p => Assert.Equal(3, p.Plugin.Online.Count));

        mesh.Reconnect(cut);
        await mesh.WaitUntilAsync(() => AllSeeAll(presence), TimeSpan.FromSeconds(30), "the healed node and the others to list each other again");
        Assert.All(presence, p => Assert.True(p.Plugin.Counters.Expired >= 1));
    }

    [Fact]
    public async Task Ping_round_trips_and_measures_the_virtual_latency()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        IReadOnlyList<TestPlugin<PresencePlugin>> presence = await mesh.LoadPresenceAsync();
        var slow = new LinkConditions { Latency = TimeSpan.FromMilliseconds(40) };
        mesh.SetLinkConditions(mesh[0], mesh[1], slow);
        mesh.SetLinkConditions(mesh[1], mesh[0], slow);

        TimeSpan rtt = await mesh.WaitAsync(presence[0].Plugin.PingAsync(mesh[1].Id, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));

        Assert.InRange(rtt, TimeSpan.FromMilliseconds(80), TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task The_cli_command_lists_the_table_and_pings_through_the_control_api()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(3);
        IReadOnlyList<TestPlugin<PresencePlugin>> presence = await mesh.LoadPresenceAsync(new() { ["IntervalSeconds"] = "1", ["Name"] = "carol" });
        await mesh.WaitUntilAsync(() => AllSeeAll(presence), TimeSpan.FromSeconds(5), "every node to list the two others");

        ControlApiResponse online = await presence[0].InvokeAsync("GET", "online");
        Assert.Equal(200, online.StatusCode);
        using (JsonDocument json = JsonDocument.Parse(online.Body))
        {
            Assert.Equal(mesh[0].Id.ToString(), json.RootElement.GetProperty("self").GetString());
            Assert.Equal(2, json.RootElement.GetProperty("peers").GetArrayLength());
            Assert.Equal("carol", json.RootElement.GetProperty("peers")[0].GetProperty("name").GetString());
        }

        TestCommandResult list = await presence[0].RunCommandAsync("presence");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("hears 2 peer(s)", list.Output, StringComparison.Ordinal);
        Assert.Contains(mesh[1].Id.ToShortString(), list.Output, StringComparison.Ordinal);
        Assert.Contains(mesh[2].Id.ToShortString(), list.Output, StringComparison.Ordinal);

        // The table prints short ids, and --ping takes one.
        TestCommandResult ping = await presence[0].RunCommandAsync("presence", options: new Dictionary<string, string> { ["ping"] = mesh[2].Id.ToShortString() });
        Assert.True(ping.ExitCode == 0, ping.Error);
        Assert.StartsWith($"Pong from {mesh[2].Id.ToShortString()}", ping.Output, StringComparison.Ordinal);

        TestCommandResult bad = await presence[0].RunCommandAsync("presence", options: new Dictionary<string, string> { ["ping"] = "nobody" });
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("'nobody' is neither a peer id", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Heartbeats_converge_under_ten_percent_loss()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(5);
        mesh.SetLossRate(0.10);
        IReadOnlyList<TestPlugin<PresencePlugin>> presence = await mesh.LoadPresenceAsync();

        await mesh.WaitUntilAsync(() => AllSeeAll(presence), TimeSpan.FromSeconds(15), "every node to list the four others despite the loss");

        // And the tables hold: no peer flaps out for a lost beat or two, since gossip repairs them.
        long expiredBefore = presence.Sum(p => p.Plugin.Counters.Expired);
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.True(AllSeeAll(presence), "a node dropped out of a table under 10% loss");
        Assert.Equal(expiredBefore, presence.Sum(p => p.Plugin.Counters.Expired));
    }

    [Fact]
    public async Task Malformed_and_out_of_bounds_heartbeats_are_dropped_and_counted_not_fatal()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(3);
        TestPlugin<PresencePlugin>[] presence = [await mesh[0].LoadPresenceAsync(), await mesh[1].LoadPresenceAsync()];
        await mesh.WaitUntilAsync(() => AllSeeAll(presence), TimeSpan.FromSeconds(5), "the two presence nodes to list each other");

        // Node 2 runs no plugin: it plays a hostile peer straight on the mesh.
        using ITopic<NotAHeartbeat> garbage = mesh[2].Mesh.OpenTopic<NotAHeartbeat>(PresencePlugin.TopicName);
        using IDisposable joined = garbage.Subscribe((_, _, _) => ValueTask.CompletedTask);
        using ITopic<PresenceHeartbeat> liar = mesh[2].Mesh.OpenTopic<PresenceHeartbeat>(PresencePlugin.TopicName);
        long malformedBefore = mesh[0].Counters.DroppedMalformed;
        await mesh.WaitUntilAsync(
            () =>
            {
                _ = garbage.PublishAsync(new NotAHeartbeat { Incarnation = "not a number" });
                _ = liar.PublishAsync(new PresenceHeartbeat { IntervalMilliseconds = 0, Name = new string('x', 1000) });
                return presence.All(p => p.Plugin.Counters.Rejected > 0 && p.Node.Counters.DroppedMalformed > malformedBefore);
            },
            TimeSpan.FromSeconds(10),
            "both presence nodes to drop the hostile node's beats");

        await mesh.AdvanceAsync(TimeSpan.FromSeconds(2));
        foreach (TestPlugin<PresencePlugin> plugin in presence)
        {
            Assert.Equal(PluginState.Running, plugin.State);
            Assert.Equal(0, plugin.FaultCount);
            Assert.DoesNotContain(mesh[2].Id, Ids(plugin));
        }

        Assert.True(AllSeeAll(presence), "the honest nodes stopped seeing each other");
    }

    [Fact]
    public async Task Stopping_the_plugin_releases_its_topic_and_ping_channel_and_a_reload_comes_back()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        IReadOnlyList<TestPlugin<PresencePlugin>> presence = await mesh.LoadPresenceAsync();
        await mesh.WaitUntilAsync(() => AllSeeAll(presence), TimeSpan.FromSeconds(5), "both nodes to list each other");
        TimeSpan rtt = await mesh.WaitAsync(presence[0].Plugin.PingAsync(mesh[1].Id, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
        Assert.True(presence[1].OpenResourceCount >= 3, $"{presence[1].OpenResourceCount} resources open");

        await presence[1].StopAsync();

        Assert.Equal(PluginState.Stopped, presence[1].State);
        Assert.Equal(0, presence[1].OpenResourceCount);
        Assert.Null(presence[1].Context);

        // Node 1's CHANNELS-CLOSED reaches node 0 within a round trip; then a ping is refused at once.
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(1));
        MeshException refused = await Assert.ThrowsAsync<MeshException>(() => mesh.WaitAsync(presence[0].Plugin.PingAsync(mesh[1].Id, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10)));
        Assert.Equal(MeshError.ChannelNotOpenedByPeer, refused.Error);
        await mesh.WaitUntilAsync(() => presence[0].Plugin.Online.Count == 0, Expiry + TimeSpan.FromSeconds(1), "node 0 to expire the stopped node");
        Assert.Equal(404, (await presence[1].InvokeAsync("GET", "online")).StatusCode);

        // Loading it again (as a reload does) runs a fresh instance that is heard again.
        TestPlugin<PresencePlugin> reloaded = await mesh[1].LoadPresenceAsync();
        await mesh.WaitUntilAsync(() => AllSeeAll([presence[0], reloaded]), TimeSpan.FromSeconds(10), "the reloaded plugin to be heard");
        Assert.NotSame(presence[1].Plugin, reloaded.Plugin);
        Assert.True(rtt >= TimeSpan.Zero);
    }

    [Fact]
    public async Task An_out_of_range_setting_faults_the_plugin_with_a_reason_that_names_it()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(1);

        TestPlugin<PresencePlugin> plugin = await mesh[0].LoadPresenceAsync(new() { ["IntervalSeconds"] = "0.1" });

        Assert.Equal(PluginState.Faulted, plugin.State);
        Assert.Contains("Plugins:meshhost.presence:IntervalSeconds", plugin.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_manifest_beside_the_assembly_matches_the_plugin()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "plugin.json");
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement root = manifest.RootElement;
        var plugin = new PresencePlugin();

        Assert.Equal(PresencePlugin.Id, root.GetProperty("id").GetString());
        Assert.Equal(plugin.Version, Version.Parse(root.GetProperty("version").GetString()!));
        Assert.Equal(typeof(PresencePlugin).Assembly.GetName().Version, Version.Parse(root.GetProperty("version").GetString() + ".0"));
        Assert.Equal(Path.GetFileName(typeof(PresencePlugin).Assembly.Location), root.GetProperty("assembly").GetString());
        Assert.True(Version.Parse(root.GetProperty("minimumSdkVersion").GetString()!) <= SdkVersion.Current);
    }

    private static bool AllSeeAll(IReadOnlyList<TestPlugin<PresencePlugin>> presence)
    {
        foreach (TestPlugin<PresencePlugin> plugin in presence)
        {
            HashSet<PeerId> seen = Ids(plugin);
            foreach (TestPlugin<PresencePlugin> other in presence)
            {
                if (other != plugin && !seen.Contains(other.Node.Id))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static HashSet<PeerId> Ids(TestPlugin<PresencePlugin> plugin) => [.. plugin.Plugin.Online.Select(e => e.Peer)];
}

/// <summary>Loads the presence plugin the way every test here wants it.</summary>
internal static class PresenceMesh
{
    public static Task<IReadOnlyList<TestPlugin<PresencePlugin>>> LoadPresenceAsync(this TestMesh mesh, Dictionary<string, string?>? configuration = null) =>
        mesh.LoadPluginAsync<PresencePlugin>(PresencePlugin.Id, configuration ?? new() { ["IntervalSeconds"] = "1" });

    public static Task<TestPlugin<PresencePlugin>> LoadPresenceAsync(this TestNode node, Dictionary<string, string?>? configuration = null) =>
        node.LoadPluginAsync<PresencePlugin>(PresencePlugin.Id, configuration ?? new() { ["IntervalSeconds"] = "1" });
}
