using System.Net;
using MeshHost.Configuration;
using MeshHost.Host.Tests.Support;
using MeshHost.Mesh;

namespace MeshHost.Host.Tests;

/// <summary>Configuration layers and the checks that turn settings into node options.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Defaults_listen_on_47800_with_fallback_and_beacon_to_loopback()
    {
        MeshNodeOptions options = await CreateAsync(new MeshSettings { DataDirectory = _directory.Path });
        Assert.Equal(new IPEndPoint(IPAddress.Any, MeshNodeOptions.DefaultPort), options.ListenEndPoint);
        Assert.True(options.PortFallback);
        Assert.Equal(IPAddress.Loopback, options.LanBeaconAddress);
        Assert.Empty(options.Bootstrap);
        Assert.Equal(_directory.Path, options.DataDirectory);
    }

    [Fact]
    public void The_file_is_overridden_by_the_environment_and_the_command_line()
    {
        string file = _directory.Combine("custom.json");
        File.WriteAllText(file, $$"""
            { "Mesh": { "DataDirectory": "{{_directory.Combine("fromfile")}}", "Port": 1000, "TargetConnections": 3, "LanBeacon": "off", "Bootstrap": [ "127.0.0.1:1", "127.0.0.1:2" ] } }
            """);
        const string Variable = "MESHHOST_Mesh__TargetConnections";
        Environment.SetEnvironmentVariable(Variable, "5");
        try
        {
            MeshSettings settings = MeshOptionsFactory.Bind(HostConfiguration.Build(file, new Dictionary<string, string?> { ["Mesh:Port"] = "2000" }));
            Assert.Equal(2000, settings.Port);
            Assert.Equal(5, settings.TargetConnections);
            Assert.Equal("off", settings.LanBeacon);
            Assert.Equal(["127.0.0.1:1", "127.0.0.1:2"], settings.Bootstrap);
            Assert.Equal(_directory.Combine("fromfile"), settings.DataDirectory);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, null);
        }
    }

    [Fact]
    public void Meshhost_json_in_the_data_directory_is_read_when_no_file_is_given()
    {
        File.WriteAllText(_directory.Combine("meshhost.json"), """{ "Mesh": { "Port": 0, "ListenAddress": "127.0.0.1" } }""");
        MeshSettings settings = MeshOptionsFactory.Bind(HostConfiguration.Build(null, new Dictionary<string, string?> { ["Mesh:DataDirectory"] = _directory.Path }));
        Assert.Equal(0, settings.Port);
        Assert.Equal("127.0.0.1", settings.ListenAddress);
        Assert.Equal(_directory.Path, settings.DataDirectory);
    }

    [Fact]
    public void A_missing_or_broken_file_is_a_usage_error()
    {
        Assert.Contains("does not exist", Assert.Throws<UsageException>(() => HostConfiguration.Build(_directory.Combine("missing.json"), new Dictionary<string, string?>())).Message, StringComparison.Ordinal);
        string broken = _directory.Combine("broken.json");
        File.WriteAllText(broken, "{ \"Mesh\": ");
        Assert.Contains("not valid JSON", Assert.Throws<UsageException>(() => HostConfiguration.Build(broken, new Dictionary<string, string?>())).Message, StringComparison.Ordinal);
        string wrongType = _directory.Combine("wrongtype.json");
        File.WriteAllText(wrongType, """{ "Mesh": { "Port": "many" } }""");
        Assert.Throws<UsageException>(() => MeshOptionsFactory.Bind(HostConfiguration.Build(wrongType, new Dictionary<string, string?>())));
    }

    [Theory]
    [InlineData("127.0.0.1:47800", "127.0.0.1:47800")]
    [InlineData(" 10.1.2.3:9 ", "10.1.2.3:9")]
    [InlineData("[::1]:5000", "[::1]:5000")]
    [InlineData("localhost:5000", "127.0.0.1:5000")]
    public async Task Bootstrap_addresses_parse_and_resolve(string value, string expected)
    {
        IPEndPoint endPoint = await MeshOptionsFactory.ResolveAsync(value, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(expected, endPoint.ToString());
    }

    [Theory]
    [InlineData("nonsense")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("127.0.0.1:-1")]
    [InlineData(":47800")]
    [InlineData("::1:47800")]
    [InlineData("bad host:47800")]
    public async Task Bad_bootstrap_addresses_are_usage_errors(string value)
    {
        UsageException e = await Assert.ThrowsAsync<UsageException>(() => MeshOptionsFactory.ResolveAsync(value, CancellationToken.None)).WaitAsync(Timeout);
        Assert.Contains(value, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("off", null)]
    [InlineData("OFF", null)]
    [InlineData("", null)]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    public void The_lan_beacon_is_an_address_or_off(string value, string? expected) =>
        Assert.Equal(expected, MeshOptionsFactory.ParseLanBeacon(value)?.ToString());

    [Fact]
    public async Task Out_of_range_values_are_usage_errors()
    {
        await Assert.ThrowsAsync<UsageException>(() => CreateAsync(new MeshSettings { DataDirectory = _directory.Path, Port = 65_536 }));
        await Assert.ThrowsAsync<UsageException>(() => CreateAsync(new MeshSettings { DataDirectory = _directory.Path, ListenAddress = "everywhere" }));
        await Assert.ThrowsAsync<UsageException>(() => CreateAsync(new MeshSettings { DataDirectory = _directory.Path, TargetConnections = 0 }));
        await Assert.ThrowsAsync<UsageException>(() => CreateAsync(new MeshSettings { DataDirectory = _directory.Path, LanBeacon = "the lan" }));
    }

    [Fact]
    public async Task Nat_settings_default_to_auto_relaying_and_a_15_second_keepalive()
    {
        MeshNodeOptions options = await CreateAsync(new MeshSettings { DataDirectory = _directory.Path });
        Assert.Equal(TimeSpan.FromSeconds(15), options.Transport!.KeepAliveInterval);
        Assert.Equal(Mesh.Nat.RelayServeMode.Auto, options.Relay!.Serve);
        Assert.Equal(64, options.Relay.MaxCircuits);
        Assert.Equal(1024 * 1024, options.Relay.MaxBytesPerSecondPerCircuit);
        Assert.Equal(32L * 1024 * 1024, options.Relay.MaxBytesPerSecond);
        Assert.Equal(TimeSpan.FromHours(1), options.Relay.MaxCircuitDuration);
    }

    [Fact]
    public async Task Nat_settings_come_from_every_layer()
    {
        File.WriteAllText(_directory.Combine("meshhost.json"), """
            { "Mesh": { "KeepAliveInterval": "20s", "Relay": { "Serve": "off", "MaxCircuits": 8, "MaxBytesPerSecondPerCircuit": 65536, "MaxBytesPerSecond": 1048576, "MaxCircuitDuration": "30m" } } }
            """);
        const string Variable = "MESHHOST_Mesh__Relay__MaxCircuits";
        Environment.SetEnvironmentVariable(Variable, "9");
        try
        {
            MeshSettings settings = MeshOptionsFactory.Bind(HostConfiguration.Build(null, new Dictionary<string, string?>
            {
                ["Mesh:DataDirectory"] = _directory.Path,
                ["Mesh:Relay:Serve"] = "ON",
            }));
            MeshNodeOptions options = await CreateAsync(settings);
            Assert.Equal(TimeSpan.FromSeconds(20), options.Transport!.KeepAliveInterval);
            Assert.Equal(Mesh.Nat.RelayServeMode.On, options.Relay!.Serve);
            Assert.Equal(9, options.Relay.MaxCircuits);
            Assert.Equal(65536, options.Relay.MaxBytesPerSecondPerCircuit);
            Assert.Equal(1048576, options.Relay.MaxBytesPerSecond);
            Assert.Equal(TimeSpan.FromMinutes(30), options.Relay.MaxCircuitDuration);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, null);
        }
    }

    [Theory]
    [InlineData("15", 15)]
    [InlineData("1.5s", 1.5)]
    [InlineData("500ms", 0.5)]
    [InlineData("2m", 120)]
    [InlineData("1h", 3600)]
    [InlineData("00:00:25", 25)]
    public void Durations_parse_in_every_documented_form(string value, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), MeshOptionsFactory.ParseDuration(value, "Key"));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-5s")]
    [InlineData("0")]
    [InlineData("")]
    public void Bad_durations_are_usage_errors_naming_the_key(string value)
    {
        UsageException e = Assert.Throws<UsageException>(() => MeshOptionsFactory.ParseDuration(value, "Mesh:KeepAliveInterval"));
        Assert.Contains("Mesh:KeepAliveInterval", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("KeepAliveInterval", "30s", "Mesh:KeepAliveInterval")]
    [InlineData("KeepAliveInterval", "500ms", "Mesh:KeepAliveInterval")]
    [InlineData("Relay:Serve", "sometimes", "Mesh:Relay:Serve")]
    [InlineData("Relay:MaxCircuits", "-1", "Mesh:Relay:MaxCircuits")]
    [InlineData("Relay:MaxBytesPerSecondPerCircuit", "100", "Mesh:Relay:MaxBytesPerSecondPerCircuit")]
    [InlineData("Relay:MaxCircuitDuration", "5s", "Mesh:Relay:MaxCircuitDuration")]
    [InlineData("Relay:MaxBytesPerSecond", "1000", "Mesh:Relay:MaxBytesPerSecond")]
    public async Task Out_of_range_nat_settings_are_usage_errors(string key, string value, string named)
    {
        MeshSettings settings = MeshOptionsFactory.Bind(HostConfiguration.Build(null, new Dictionary<string, string?>
        {
            ["Mesh:DataDirectory"] = _directory.Path,
            ["Mesh:" + key] = value,
        }));
        UsageException e = await Assert.ThrowsAsync<UsageException>(() => CreateAsync(settings));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    private static Task<MeshNodeOptions> CreateAsync(MeshSettings settings) => MeshOptionsFactory.CreateAsync(settings, CancellationToken.None).WaitAsync(Timeout);
}
