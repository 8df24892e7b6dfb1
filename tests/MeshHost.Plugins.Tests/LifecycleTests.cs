using System.Runtime.CompilerServices;
using MeshHost.Mesh;
using MeshHost.Plugins.Tests.Support;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Tests;

public sealed class LifecycleTests
{
    [Fact]
    public async Task A_plugin_loads_starts_serves_stops_and_its_context_is_collected()
    {
        await using PluginHost host = await PluginHost.CreateAsync(settings: ("Plugins:test.echo:Greeting", "hi there"));
        host.Folders.Install("echo");

        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);

        PluginStatus status = host.Status("test.echo");
        Assert.Equal(PluginState.Running, status.State);
        Assert.Equal(new Version(1, 0, 0), status.Version);
        Assert.Contains("\"greeting\":\"hi there\"", await host.GetAsync("test.echo", "status"), StringComparison.Ordinal);
        Assert.Equal("1.0.0", File.ReadAllText(Path.Combine(host.Folders.DataDirectory, "plugins", "test.echo", "started.txt")));

        WeakReference context = host.Manager.GetLoadContext("test.echo")!;
        PluginStatus? unloaded = await host.Manager.UnloadAsync("test.echo").WaitAsync(Eventually.Timeout);

        Assert.Equal(PluginState.Stopped, unloaded!.State);
        Assert.Equal("unloaded on request", unloaded.Reason);
        await Eventually.CollectedAsync(context, "unload");
    }

    [Fact]
    public async Task Stopping_releases_every_channel_topic_handler_and_timer_the_plugin_left_open()
    {
        await using PluginHost host = await PluginHost.CreateAsync();
        host.Folders.Install("echo");
        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);
        MeshNode peer = await host.StartPeerAsync();
        using IChannel<Note> notes = peer.OpenChannel<Note>("test.echo/notes");
        await SendWhenOpenAsync(notes, host.Node.LocalId, new Note { Text = "hello" });
        await Eventually.UntilAsync(async () => await ReceivedCountAsync(host) == 1, "the plugin to receive the note");
        int open = OpenResources(host);
        Assert.True(open >= 8, $"the echo plugin should hold its 3 channels and topic, 3 handlers, a peer handler and a timer; it holds {open}");
        Assert.Contains("test.echo/topic", host.Node.GetStatus().Topics);

        await host.Manager.UnloadAsync("test.echo").WaitAsync(Eventually.Timeout);

        Assert.DoesNotContain("test.echo/topic", host.Node.GetStatus().Topics);
        Assert.Equal(0, host.Node.GetStatus().OpenChannels);
        MeshException refused = await Assert.ThrowsAsync<MeshException>(() => SendUntilRefusedAsync(notes, host.Node.LocalId));
        Assert.Equal(MeshError.ChannelNotOpenedByPeer, refused.Error);
        Assert.True(host.Logs.Has(6004, "test.echo"), "the host logs that it released what the plugin left open");
    }

    [Fact]
    public async Task Control_api_endpoints_match_routes_and_disappear_when_the_plugin_stops()
    {
        await using PluginHost host = await PluginHost.CreateAsync();
        host.Folders.Install("echo");
        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);

        Assert.Equal("{\"name\":\"a b\"}", await host.GetAsync("test.echo", "items/a%20b"));
        ControlApiResponse missing = await host.Manager.InvokeEndpointAsync("test.echo", "GET", "nothing/here", new Dictionary<string, string>(), default).WaitAsync(Eventually.Timeout);
        Assert.Equal(404, missing.StatusCode);
        ControlApiResponse wrongMethod = await host.Manager.InvokeEndpointAsync("test.echo", "DELETE", "status", new Dictionary<string, string>(), default).WaitAsync(Eventually.Timeout);
        Assert.Equal(404, wrongMethod.StatusCode);

        await host.Manager.UnloadAsync("test.echo").WaitAsync(Eventually.Timeout);

        ControlApiResponse gone = await host.Manager.InvokeEndpointAsync("test.echo", "GET", "status", new Dictionary<string, string>(), default).WaitAsync(Eventually.Timeout);
        Assert.Equal(404, gone.StatusCode);
    }

    [Fact]
    public async Task Reload_on_request_runs_a_new_instance_and_collects_the_old_context()
    {
        await using PluginHost host = await PluginHost.CreateAsync();
        host.Folders.Install("echo");
        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);
        WeakReference old = host.Manager.GetLoadContext("test.echo")!;

        PluginStatus? reloaded = await host.Manager.ReloadAsync("test.echo").WaitAsync(Eventually.Timeout);

        Assert.Equal(PluginState.Running, reloaded!.State);
        Assert.False(ReferenceEquals(old.Target, host.Manager.GetLoadContext("test.echo")!.Target));
        await Eventually.CollectedAsync(old, "reload");
    }

    /// <summary>The peer learns of the plugin's channel one control message after it opens: retry until it is known.</summary>
    internal static async Task SendWhenOpenAsync(IChannel<Note> channel, PeerId to, Note note)
    {
        using var deadline = new CancellationTokenSource(Eventually.Timeout);
        while (true)
        {
            try
            {
                await channel.SendAsync(to, note, deadline.Token);
                return;
            }
            catch (MeshException e) when (e.Error == MeshError.ChannelNotOpenedByPeer && !deadline.IsCancellationRequested)
            {
                await Task.Delay(20, deadline.Token);
            }
        }
    }

    /// <summary>Sends until the receiver's closing of the channel has reached this node.</summary>
    private static async Task SendUntilRefusedAsync(IChannel<Note> channel, PeerId to)
    {
        using var deadline = new CancellationTokenSource(Eventually.Timeout);
        while (!deadline.IsCancellationRequested)
        {
            await channel.SendAsync(to, new Note { Text = "after stop" }, deadline.Token);
            await Task.Delay(20, deadline.Token);
        }
    }

    internal static async Task<int> ReceivedCountAsync(PluginHost host, string id = "test.echo")
    {
        string json = await host.GetAsync(id, "status");
        int start = json.IndexOf("\"received\":", StringComparison.Ordinal) + "\"received\":".Length;
        return int.Parse(json[start..json.IndexOf(',', start)], System.Globalization.CultureInfo.InvariantCulture);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int OpenResources(PluginHost host) => host.Manager.GetInstance("test.echo")!.Context!.OpenResourceCount;
}
