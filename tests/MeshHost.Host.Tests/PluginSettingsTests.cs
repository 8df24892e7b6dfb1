using MeshHost.Plugins;
using Microsoft.Extensions.Configuration;

namespace MeshHost.Host.Tests;

public sealed class PluginSettingsTests
{
    [Fact]
    public void The_defaults_are_the_bundled_folder_and_the_data_directorys_installed_folder()
    {
        PluginSettings settings = PluginSettings.Read(Config(), "/data");

        Assert.Equal([Path.Combine(AppContext.BaseDirectory, "plugins"), Path.Combine("/data", "plugins-installed")], settings.Directories);
        Assert.True(settings.HotReload);
        Assert.Equal(new PluginRuntimeOptions(), settings.Runtime);
    }

    [Fact]
    public void Every_setting_is_read()
    {
        PluginSettings settings = PluginSettings.Read(
            Config(("Directory", "/opt/plugins"), ("HotReload", "false"), ("MaxFaults", "3"), ("FaultWindowSeconds", "10"), ("StartTimeoutSeconds", "1.5"), ("StopTimeoutSeconds", "2")),
            "/data");

        Assert.Equal([Path.GetFullPath("/opt/plugins")], settings.Directories);
        Assert.False(settings.HotReload);
        Assert.Equal(new PluginRuntimeOptions { MaxFaults = 3, FaultWindow = TimeSpan.FromSeconds(10), StartTimeout = TimeSpan.FromSeconds(1.5), StopTimeout = TimeSpan.FromSeconds(2) }, settings.Runtime);
    }

    [Theory]
    [InlineData("HotReload", "maybe", "Plugins:HotReload is 'maybe'")]
    [InlineData("MaxFaults", "-1", "Plugins:MaxFaults is '-1'")]
    [InlineData("StartTimeoutSeconds", "soon", "Plugins:StartTimeoutSeconds is 'soon'")]
    [InlineData("FaultWindowSeconds", "0", "Plugins:FaultWindowSeconds is '0'")]
    public void A_bad_value_is_a_usage_error(string key, string value, string message)
    {
        UsageException refused = Assert.Throws<UsageException>(() => PluginSettings.Read(Config((key, value)), "/data"));
        Assert.Contains(message, refused.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>("Plugins:" + v.Key, v.Value))).Build();
}
