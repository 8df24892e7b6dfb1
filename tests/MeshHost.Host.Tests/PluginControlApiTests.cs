using System.Net;
using System.Text;
using System.Text.Json;
using MeshHost.Control;
using MeshHost.Host.Tests.Support;
using MeshHost.Mesh;
using MeshHost.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace MeshHost.Host.Tests;

/// <summary>The plugins' control API in process: a real plugin on a real loopback node, behind the token.</summary>
public sealed class PluginControlApiTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new();
    private MeshNode? _node;
    private PluginManager? _manager;
    private ControlApiServer? _server;

    private ControlApiServer Server => _server ?? throw new InvalidOperationException("not started");

    private PluginManager Manager => _manager ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        string plugins = _directory.Combine("plugins");
        CopyDirectory(Path.Combine(AppContext.BaseDirectory, "testplugins", "echo"), Path.Combine(plugins, "echo"));
        _node = await MeshNode.StartAsync(new MeshNodeOptions
        {
            DataDirectory = _directory.Combine("data"),
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            LanBeaconAddress = null,
        }).WaitAsync(Timeout);
        _manager = new PluginManager(
            new PluginEnvironment { Mesh = _node, DataDirectory = _directory.Combine("data") },
            new PluginManagerOptions { Directories = [plugins], HotReload = false });
        await _manager.StartAllAsync().WaitAsync(Timeout);
        var accessor = new FixedPlugins(_manager);
        _server = await ControlApiServer.StartAsync(s =>
        {
            s.AddSingleton<IPluginManagerAccessor>(accessor);
            s.AddSingleton<IControlApiModule, PluginControlApiModule>();
        });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Manager.DisposeAsync();
        await _node!.DisposeAsync();
        _directory.Dispose();
    }

    [Theory]
    [InlineData("GET", "v1/plugins/test.echo/status")]
    [InlineData("POST", "v1/plugins/test.echo/fail")]
    [InlineData("GET", "v1/plugins")]
    [InlineData("POST", "v1/plugins/test.echo/unload")]
    public async Task Plugin_endpoints_and_plugin_management_demand_the_token(string method, string path)
    {
        using HttpClient client = Server.Client(authorization: "Bearer wrong");
        using HttpResponseMessage response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)).WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(PluginState.Running, Manager.Find("test.echo")!.State);
    }

    [Fact]
    public async Task A_running_plugins_endpoints_are_served_under_its_prefix_and_removed_when_it_stops()
    {
        using HttpClient client = Server.Client();
        Assert.Contains("\"version\":\"1.0.0\"", await GetStringAsync(client, "v1/plugins/test.echo/status", HttpStatusCode.OK), StringComparison.Ordinal);
        Assert.Equal("{\"name\":\"x y\"}", await GetStringAsync(client, "v1/plugins/test.echo/items/x%20y?ignored=1", HttpStatusCode.OK));
        Assert.Contains("\"error\":\"not-found\"", await GetStringAsync(client, "v1/plugins/test.echo/nothing", HttpStatusCode.NotFound), StringComparison.Ordinal);
        Assert.Contains("\"error\":\"not-found\"", await GetStringAsync(client, "v1/plugins/test.other/status", HttpStatusCode.NotFound), StringComparison.Ordinal);

        using HttpResponseMessage failed = await client.PostAsync(new Uri("v1/plugins/test.echo/fail", UriKind.Relative), null).WaitAsync(Timeout);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("internal", JsonSerializer.Deserialize(await failed.Content.ReadAsStringAsync(), ControlJsonContext.Default.ErrorResponse)!.Error);

        PluginResponse unloaded = await PostAsync(client, "v1/plugins/test.echo/unload", HttpStatusCode.OK, ControlJsonContext.Default.PluginResponse);
        Assert.Equal("stopped", unloaded.State);
        Assert.Contains("\"error\":\"not-found\"", await GetStringAsync(client, "v1/plugins/test.echo/status", HttpStatusCode.NotFound), StringComparison.Ordinal);

        PluginResponse loaded = await PostAsync(client, "v1/plugins/test.echo/load", HttpStatusCode.OK, ControlJsonContext.Default.PluginResponse);
        Assert.Equal("running", loaded.State);
        Assert.Contains("\"received\":0", await GetStringAsync(client, "v1/plugins/test.echo/status", HttpStatusCode.OK), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_list_shows_each_plugin_and_management_refuses_bad_and_unknown_ids()
    {
        using HttpClient client = Server.Client();
        PluginsResponse list = JsonSerializer.Deserialize(await GetStringAsync(client, "v1/plugins", HttpStatusCode.OK), ControlJsonContext.Default.PluginsResponse)!;
        PluginResponse echo = Assert.Single(list.Plugins);
        Assert.Equal(("test.echo", "1.0.0", "running", 0L), (echo.Id, echo.Version, echo.State, echo.Faults));

        PluginResponse reloaded = await PostAsync(client, "v1/plugins/test.echo/reload", HttpStatusCode.OK, ControlJsonContext.Default.PluginResponse);
        Assert.Equal("running", reloaded.State);
        Assert.Equal("not-found", (await PostAsync(client, "v1/plugins/test.nothing/load", HttpStatusCode.NotFound, ControlJsonContext.Default.ErrorResponse)).Error);
        Assert.Equal("bad-request", (await PostAsync(client, "v1/plugins/Bad%20Id/load", HttpStatusCode.BadRequest, ControlJsonContext.Default.ErrorResponse)).Error);
    }

    private static async Task<string> GetStringAsync(HttpClient client, string path, HttpStatusCode expected)
    {
        using HttpResponseMessage response = await client.GetAsync(new Uri(path, UriKind.Relative)).WaitAsync(Timeout);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"GET {path}: {response.StatusCode} {body}");
        return body;
    }

    private static async Task<T> PostAsync<T>(HttpClient client, string path, HttpStatusCode expected, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        using HttpResponseMessage response = await client.PostAsync(new Uri(path, UriKind.Relative), new StringContent("", Encoding.UTF8)).WaitAsync(Timeout);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {path}: {response.StatusCode} {body}");
        return JsonSerializer.Deserialize(body, type)!;
    }

    internal static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
    }

    private sealed class FixedPlugins(PluginManager manager) : IPluginManagerAccessor
    {
        public PluginManager? Manager { get; } = manager;
    }
}
