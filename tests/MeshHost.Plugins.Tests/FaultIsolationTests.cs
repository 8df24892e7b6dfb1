using MeshHost.Mesh;
using MeshHost.Plugins.Tests.Support;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Tests;

public sealed class FaultIsolationTests
{
    [Fact]
    public async Task A_throwing_handler_is_logged_and_counted_and_neither_the_transport_nor_other_plugins_notice()
    {
        await using PluginHost host = await PluginHost.CreateAsync();
        host.Folders.Install("echo");
        host.Folders.Install("echo", "echo2", m => m["id"] = "test.echo2");
        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);
        MeshNode peer = await host.StartPeerAsync();
        using IChannel<Note> first = peer.OpenChannel<Note>("test.echo/notes");
        using IChannel<Note> second = peer.OpenChannel<Note>("test.echo2/notes");

        await LifecycleTests.SendWhenOpenAsync(first, host.Node.LocalId, new Note { Text = "throw" });
        await first.SendAsync(host.Node.LocalId, new Note { Text = "after the fault" }).AsTask().WaitAsync(Eventually.Timeout);
        await LifecycleTests.SendWhenOpenAsync(second, host.Node.LocalId, new Note { Text = "to the other plugin" });

        await Eventually.UntilAsync(async () => await LifecycleTests.ReceivedCountAsync(host) == 1, "the faulting plugin's channel to go on");
        await Eventually.UntilAsync(async () => await LifecycleTests.ReceivedCountAsync(host, "test.echo2") == 1, "the other plugin to receive");
        Assert.Equal(1, host.Status("test.echo").Faults);
        Assert.Equal(0, host.Status("test.echo2").Faults);
        Assert.Equal(PluginState.Running, host.Status("test.echo").State);
        Assert.True(host.Logs.Has(6010, "Plugin test.echo: handler of channel 'test.echo/notes' threw"), "the fault is logged with the plugin's id");
        Assert.Equal(0, host.Node.GetStatus().Counters.HandlerFaults); // the plugin's guard caught it before the node's
    }

    [Fact]
    public async Task A_plugin_that_keeps_faulting_is_stopped_as_Faulted_and_unloaded_while_the_others_run()
    {
        var policy = new PluginRuntimeOptions { MaxFaults = 3, FaultWindow = TimeSpan.FromMinutes(1) };
        await using PluginHost host = await PluginHost.CreateAsync(policy);
        host.Folders.Install("echo");
        host.Folders.Install("echo", "echo2", m => m["id"] = "test.echo2");
        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);
        WeakReference context = host.Manager.GetLoadContext("test.echo")!;
        MeshNode peer = await host.StartPeerAsync();
        using IChannel<Note> notes = peer.OpenChannel<Note>("test.echo/notes");

        await LifecycleTests.SendWhenOpenAsync(notes, host.Node.LocalId, new Note { Text = "throw" });
        for (int i = 0; i < 3; i++)
        {
            await notes.SendAsync(host.Node.LocalId, new Note { Text = "throw" }).AsTask().WaitAsync(Eventually.Timeout);
        }

        await Eventually.UntilAsync(() => host.Status("test.echo").State == PluginState.Faulted, "the plugin to be stopped as faulted");
        Assert.Contains("4 faults within 00:01:00 (the limit is 3)", host.Status("test.echo").Reason, StringComparison.Ordinal);
        Assert.True(host.Logs.Has(6011, "test.echo"));
        Assert.Equal(PluginState.Running, host.Status("test.echo2").State);
        Assert.Equal("{\"name\":\"x\"}", await host.GetAsync("test.echo2", "items/x"));
        await Eventually.UntilAsync(() => host.Manager.GetLoadContext("test.echo") is null, "the faulted plugin to be unloaded");
        await Eventually.CollectedAsync(context, "fault stop");
    }

    [Fact]
    public async Task A_timer_callback_that_throws_trips_the_fault_policy_without_crashing_the_process()
    {
        var policy = new PluginRuntimeOptions { MaxFaults = 2 };
        await using PluginHost host = await PluginHost.CreateAsync(policy, false, ("Plugins:test.faulty:Mode", "timer-throws"));
        host.Folders.Install("faulty");

        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);

        await Eventually.UntilAsync(() => host.Status("test.faulty").State == PluginState.Faulted, "the timer's faults to stop the plugin");
        Assert.Contains("timer callback threw InvalidOperationException: the timer failed", host.Status("test.faulty").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_throwing_endpoint_answers_a_json_500_and_counts_as_a_fault()
    {
        await using PluginHost host = await PluginHost.CreateAsync();
        host.Folders.Install("echo");
        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);

        ControlApiResponse response = await host.Manager.InvokeEndpointAsync("test.echo", "POST", "fail", new Dictionary<string, string>(), default).WaitAsync(Eventually.Timeout);

        Assert.Equal(500, response.StatusCode);
        Assert.Contains("\"error\":\"internal\"", System.Text.Encoding.UTF8.GetString(response.Body.Span), StringComparison.Ordinal);
        Assert.Equal(1, host.Status("test.echo").Faults);
        Assert.Equal(PluginState.Running, host.Status("test.echo").State);
    }

    [Fact]
    public async Task Plugins_that_fail_to_start_or_to_load_are_Faulted_with_a_reason_and_the_others_run()
    {
        var policy = new PluginRuntimeOptions { StartTimeout = TimeSpan.FromMilliseconds(500) };
        await using PluginHost host = await PluginHost.CreateAsync(policy, false, ("Plugins:test.throws:Mode", "start-throws"), ("Plugins:test.hangs:Mode", "start-hangs"));
        host.Folders.Install("echo");
        host.Folders.Install("faulty", "throws", m => m["id"] = "test.throws");
        host.Folders.Install("faulty", "hangs", m => m["id"] = "test.hangs");
        string missing = host.Folders.Install("faulty", "missing", m => m["id"] = "test.missing");
        File.Delete(Path.Combine(missing, "TestPlugin.Faulty.dll"));
        string corrupt = host.Folders.Install("faulty", "corrupt", m => m["id"] = "test.corrupt");
        File.WriteAllText(Path.Combine(corrupt, "TestPlugin.Faulty.dll"), "this is not an assembly");
        host.Folders.WriteManifestOnly("badjson", "{ \"id\": \"test.bad\", ");
        host.Folders.WriteManifestOnly("noassembly", "{ \"id\": \"test.noassembly\", \"version\": \"1.0.0\", \"minimumSdkVersion\": \"1.0.0\" }");

        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);

        Assert.Equal(PluginState.Running, host.Status("test.echo").State);
        AssertState(host, "test.throws", PluginState.Faulted, "StartAsync threw InvalidOperationException: the plugin refuses to start");
        AssertState(host, "test.hangs", PluginState.Faulted, "StartAsync did not finish within 00:00:00.5");
        AssertState(host, "test.missing", PluginState.Faulted, "its assembly TestPlugin.Faulty.dll is missing");
        AssertState(host, "test.corrupt", PluginState.Faulted, "TestPlugin.Faulty.dll cannot be read as a .NET assembly");
        AssertState(host, "badjson", PluginState.Faulted, "plugin.json is not valid JSON");
        AssertState(host, "noassembly", PluginState.Faulted, "plugin.json: 'assembly' is missing");
        Assert.Equal(7, host.Manager.List().Count);
    }

    [Fact]
    public async Task A_plugin_whose_StopAsync_throws_or_hangs_is_still_released()
    {
        var policy = new PluginRuntimeOptions { StopTimeout = TimeSpan.FromMilliseconds(300) };
        await using PluginHost host = await PluginHost.CreateAsync(policy, false, ("Plugins:test.stopthrows:Mode", "stop-throws"), ("Plugins:test.stophangs:Mode", "stop-hangs"));
        host.Folders.Install("faulty", "a", m => m["id"] = "test.stopthrows");
        host.Folders.Install("faulty", "b", m => m["id"] = "test.stophangs");
        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);

        await host.Manager.UnloadAsync("test.stopthrows").WaitAsync(Eventually.Timeout);
        await host.Manager.UnloadAsync("test.stophangs").WaitAsync(Eventually.Timeout);

        AssertState(host, "test.stopthrows", PluginState.Stopped, "unloaded on request; StopAsync threw InvalidOperationException");
        AssertState(host, "test.stophangs", PluginState.Stopped, "unloaded on request; StopAsync did not finish within 00:00:00.3");
    }

    internal static void AssertState(PluginHost host, string id, PluginState state, string reason)
    {
        PluginStatus status = host.Status(id);
        Assert.True(status.State == state && status.Reason?.Contains(reason, StringComparison.Ordinal) == true, $"{id}: expected {state} with \"{reason}\", got {status.State}: {status.Reason}");
    }
}
