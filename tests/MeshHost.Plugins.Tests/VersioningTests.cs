using MeshHost.Plugins.Tests.Support;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Tests;

public sealed class VersioningTests
{
    [Fact]
    public async Task Plugins_that_need_a_newer_or_another_major_SDK_are_Incompatible_and_the_others_load()
    {
        await using PluginHost host = await PluginHost.CreateAsync();
        host.Folders.Install("echo");
        host.Folders.Install("faulty", "newer", m => { m["id"] = "test.newer"; m["minimumSdkVersion"] = "1.5.0"; });
        host.Folders.Install("faulty", "major", m => { m["id"] = "test.major"; m["minimumSdkVersion"] = "2.0"; });
        host.Folders.Install("faulty", "older", m => { m["id"] = "test.older"; m["minimumSdkVersion"] = "0.9.0"; });
        host.Folders.Install("future");

        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);

        Assert.Equal(PluginState.Running, host.Status("test.echo").State);
        string current = SdkVersion.Current.ToString(3);
        FaultIsolationTests.AssertState(host, "test.newer", PluginState.Incompatible, $"its plugin.json asks for SDK 1.5.0 or later, newer than this host's SDK {current}");
        FaultIsolationTests.AssertState(host, "test.major", PluginState.Incompatible, $"asks for SDK 2.0 or later, a different major version than this host's SDK {current}");
        FaultIsolationTests.AssertState(host, "test.older", PluginState.Incompatible, $"asks for SDK 0.9.0 or later, a different major version than this host's SDK {current}");
        FaultIsolationTests.AssertState(host, "test.future", PluginState.Incompatible, $"TestPlugin.Future.dll was compiled against SDK 2.0.0, a different major version than this host's SDK {current}");
    }

    [Fact]
    public async Task Dependencies_start_first_and_a_missing_or_too_old_one_keeps_its_dependent_from_starting()
    {
        await using PluginHost host = await PluginHost.CreateAsync();
        host.Folders.Install("faulty", "a-needs-echo", m => { m["id"] = "test.needs-echo"; m["dependencies"] = Dependency("test.echo", "1.0.0"); });
        host.Folders.Install("faulty", "b-needs-missing", m => { m["id"] = "test.needs-missing"; m["dependencies"] = Dependency("test.absent", "1.0"); });
        host.Folders.Install("faulty", "c-needs-newer", m => { m["id"] = "test.needs-newer"; m["dependencies"] = Dependency("test.echo", "3.0"); });
        host.Folders.Install("faulty", "d-cycle1", m => { m["id"] = "test.cycle1"; m["dependencies"] = Dependency("test.cycle2", "1.0"); });
        host.Folders.Install("faulty", "e-cycle2", m => { m["id"] = "test.cycle2"; m["dependencies"] = Dependency("test.cycle1", "1.0"); });
        host.Folders.Install("echo", "z-echo");

        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);

        Assert.Equal(PluginState.Running, host.Status("test.needs-echo").State);
        Assert.Equal(PluginState.Running, host.Status("test.echo").State);
        FaultIsolationTests.AssertState(host, "test.needs-missing", PluginState.Incompatible, "needs plugin 'test.absent' 1.0 or later, but it is not installed");
        FaultIsolationTests.AssertState(host, "test.needs-newer", PluginState.Incompatible, "needs plugin 'test.echo' 3.0 or later, but version 1.0.0 is installed");
        FaultIsolationTests.AssertState(host, "test.cycle1", PluginState.Incompatible, "dependency cycle");

        await host.Manager.UnloadAsync("test.echo").WaitAsync(Eventually.Timeout);
        FaultIsolationTests.AssertState(host, "test.needs-echo", PluginState.Stopped, "its dependency 'test.echo' stopped");
    }

    [Fact]
    public async Task A_second_folder_with_an_id_already_in_use_is_Incompatible()
    {
        await using PluginHost host = await PluginHost.CreateAsync();
        host.Folders.Install("echo", "a");
        string second = host.Folders.Install("echo", "b");

        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);

        Assert.Equal(PluginState.Running, host.Status("test.echo").State);
        PluginStatus duplicate = Assert.Single(host.Manager.List(), s => s.Folder == second);
        Assert.Equal(PluginState.Incompatible, duplicate.State);
        Assert.Contains("plugin id 'test.echo' is already used by", duplicate.Reason, StringComparison.Ordinal);
    }

    private static System.Text.Json.Nodes.JsonArray Dependency(string id, string minimumVersion) =>
        [new System.Text.Json.Nodes.JsonObject { ["id"] = id, ["minimumVersion"] = minimumVersion }];
}
