using MeshHost.Plugins.Tests.Support;
using MeshHost.TestLib;

namespace MeshHost.Plugins.Tests;

public sealed class IsolationTests
{
    [Fact]
    public async Task A_plugin_keeps_its_own_version_of_a_library_the_host_also_uses()
    {
        await using PluginHost host = await PluginHost.CreateAsync();
        host.Folders.Install("isolated");

        await host.Manager.StartAllAsync().WaitAsync(Eventually.Timeout);

        Assert.Equal("v1", Lib.Describe());
        Assert.Equal("{\"describe\":\"v2\",\"onlyInV2\":\"v2-only\",\"context\":\"plugin:test.isolated\"}", await host.GetAsync("test.isolated", "lib"));
        Assert.Equal("v1", Lib.Describe());
    }
}
