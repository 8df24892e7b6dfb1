using MeshHost.Plugins.Tests.Support;

namespace MeshHost.Plugins.Tests;

public sealed class HotReloadTests
{
    [Fact]
    public async Task Copying_a_new_build_into_the_folder_reloads_it_and_the_old_context_is_collected()
    {
        await using PluginHost host = await PluginHost.CreateAsync(hotReload: true);
        string folder = host.Folders.Install("echo");
        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);
        Assert.Contains("\"version\":\"1.0.0\"", await host.GetAsync("test.echo", "status"), StringComparison.Ordinal);
        WeakReference old = host.Manager.GetLoadContext("test.echo")!;

        PluginFolders.CopyFiles(PluginFolders.Source("echo-v2"), folder);

        await Eventually.UntilAsync(() => host.Status("test.echo") is { State: PluginState.Running, Version.Major: 2 }, "version 2 to be running");
        Assert.Contains("\"version\":\"2.0.0\"", await host.GetAsync("test.echo", "status"), StringComparison.Ordinal);
        Assert.True(host.Logs.Has(6022, folder));
        await Eventually.CollectedAsync(old, "hot reload");
    }

    [Fact]
    public async Task A_broken_rebuild_is_Faulted_and_the_next_good_one_runs()
    {
        await using PluginHost host = await PluginHost.CreateAsync(hotReload: true);
        string folder = host.Folders.Install("echo");
        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);

        File.WriteAllText(Path.Combine(folder, "plugin.json"), "{ broken");
        await Eventually.UntilAsync(() => host.Manager.List().Single().State == PluginState.Faulted, "the broken manifest to fault the plugin");

        PluginFolders.CopyFiles(PluginFolders.Source("echo-v2"), folder);
        await Eventually.UntilAsync(() => host.Manager.Find("test.echo") is { State: PluginState.Running, Version.Major: 2 }, "the fixed build to run");
    }
}
