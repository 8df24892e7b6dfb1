using System.Net;
using System.Text;
using System.Text.Json;
using MeshHost.Control;
using MeshHost.Host.Tests.Support;
using MeshHost.Sdk;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace MeshHost.Host.Tests;

/// <summary>The control API over a fake node: authentication, the JSON shapes, errors, and modules.</summary>
public sealed class ControlApiTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private ControlApiServer? _server;

    private ControlApiServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await ControlApiServer.StartAsync(s => s.AddSingleton<IControlApiModule, EchoModule>());

    public async Task DisposeAsync() => await Server.DisposeAsync();

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token")]
    [InlineData("Bearer " + ControlApiServer.Token + "x")]
    [InlineData("Basic " + ControlApiServer.Token)]
    public async Task A_request_without_the_right_token_is_401_with_a_json_error(string? authorization)
    {
        using HttpClient client = Server.Client(authorization);
        foreach (string path in new[] { "v1/id", "v1/status", "v1/peers", "v1/dht/find/nothex", "v1/echo", "v1/nowhere" })
        {
            using HttpResponseMessage response = await client.GetAsync(new Uri(path, UriKind.Relative)).WaitAsync(Timeout);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
            ErrorResponse error = await ReadAsync(response, ControlJsonContext.Default.ErrorResponse);
            Assert.Equal("unauthorized", error.Error);
            Assert.Contains("control.token", error.Message, StringComparison.Ordinal);
        }

        Assert.Empty(Server.Node.Connected);
    }

    [Fact]
    public async Task A_post_without_the_token_does_nothing()
    {
        using HttpClient client = Server.Client(authorization: null);
        using HttpResponseMessage response = await client.PostAsync(new Uri("v1/peers/connect", UriKind.Relative), Json($"{{\"id\":\"{FakeNodeControl.PeerId}\"}}")).WaitAsync(Timeout);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(Server.Node.Connected);
    }

    [Fact]
    public async Task Id_status_and_peers_answer_json_with_the_right_token()
    {
        using HttpClient client = Server.Client();
        IdResponse id = await GetAsync(client, "v1/id", ControlJsonContext.Default.IdResponse);
        Assert.Equal(FakeNodeControl.LocalId.ToString(), id.Id);

        StatusResponse status = await GetAsync(client, "v1/status", ControlJsonContext.Default.StatusResponse);
        Assert.Equal(FakeNodeControl.LocalId.ToString(), status.Id);
        Assert.Equal("127.0.0.1:47801", status.ListenEndPoint);
        Assert.Equal("127.0.0.1", status.ListenAddress);
        Assert.Equal(47_801, status.Port);
        Assert.Equal("127.0.0.1", status.LanBeaconAddress);
        Assert.Equal(90, status.UptimeSeconds);
        Assert.Equal(3, status.Counters.DialsSucceeded);
        Assert.Equal(["chat"], status.Topics);
        Assert.Equal("port-preserving", status.Nat.Class);
        Assert.Equal("203.0.113.5:47801", status.Nat.ReflexiveEndPoint);
        Assert.False(status.Nat.PubliclyReachable);
        Assert.Equal(["203.0.113.5:47801", "10.0.0.2:47801"], status.Nat.Candidates);
        Assert.Equal([$"{FakeNodeControl.PeerId}@198.51.100.1:47800"], status.Nat.Relays);
        Assert.False(status.Nat.RelayServing);
        Assert.Equal(0, status.Nat.ActiveCircuits);

        PeersResponse peers = await GetAsync(client, "v1/peers", ControlJsonContext.Default.PeersResponse);
        PeerResponse peer = Assert.Single(peers.Peers);
        Assert.Equal(FakeNodeControl.PeerId.ToString(), peer.Id);
        Assert.Equal("127.0.0.1:47802", peer.EndPoint);
        Assert.Equal(1.5, peer.RoundTripTimeMs);
        Assert.True(peer.Outbound);
        Assert.Equal("direct", peer.Path);
        Assert.Null(peer.Relay);
    }

    [Fact]
    public async Task The_json_is_camel_case()
    {
        using HttpClient client = Server.Client();
        using HttpResponseMessage response = await client.GetAsync(new Uri("v1/status", UriKind.Relative)).WaitAsync(Timeout);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument document = JsonDocument.Parse(await response.Content.ReadAsStringAsync().WaitAsync(Timeout));
        Assert.Equal(47_801, document.RootElement.GetProperty("port").GetInt32());
        Assert.Equal("127.0.0.1", document.RootElement.GetProperty("lanBeaconAddress").GetString());

        // The NAT lab reads these exact names (docs/host.md).
        JsonElement nat = document.RootElement.GetProperty("nat");
        Assert.Equal(
            ["class", "reflexiveEndPoint", "publiclyReachable", "candidates", "relays", "relayServing", "activeCircuits"],
            nat.EnumerateObject().Select(p => p.Name));
        Assert.Equal("port-preserving", nat.GetProperty("class").GetString());
        Assert.Equal(JsonValueKind.False, nat.GetProperty("publiclyReachable").ValueKind);

        using HttpResponseMessage peers = await client.GetAsync(new Uri("v1/peers", UriKind.Relative)).WaitAsync(Timeout);
        using JsonDocument peersDocument = JsonDocument.Parse(await peers.Content.ReadAsStringAsync().WaitAsync(Timeout));
        JsonElement peer = peersDocument.RootElement.GetProperty("peers")[0];
        Assert.Equal("direct", peer.GetProperty("path").GetString());
        Assert.Equal(JsonValueKind.Null, peer.GetProperty("relay").ValueKind);
    }

    [Fact]
    public async Task Dht_find_reports_found_and_not_found()
    {
        using HttpClient client = Server.Client();
        FindResponse found = await GetAsync(client, "v1/dht/find/" + FakeNodeControl.PeerId, ControlJsonContext.Default.FindResponse);
        Assert.True(found.Found);
        Assert.Equal(["127.0.0.1:47802"], found.EndPoints);
        Assert.Equal(2, found.Hops);

        FindResponse missing = await GetAsync(client, "v1/dht/find/" + FakeNodeControl.UnknownId.ToString().ToUpperInvariant(), ControlJsonContext.Default.FindResponse);
        Assert.False(missing.Found);
        Assert.Equal(FakeNodeControl.UnknownId.ToString(), missing.Id);
        Assert.Equal(FakeNodeControl.PeerId.ToString(), Assert.Single(missing.Closest).Id);
    }

    [Theory]
    [InlineData("nothex")]
    [InlineData("abc")]
    [InlineData("zz00000000000000000000000000000000000000000000000000000000000000")]
    public async Task Dht_find_with_a_bad_id_is_400_with_a_json_error(string id)
    {
        using HttpClient client = Server.Client();
        using HttpResponseMessage response = await client.GetAsync(new Uri("v1/dht/find/" + id, UriKind.Relative)).WaitAsync(Timeout);
        ErrorResponse error = await AssertErrorAsync(response, HttpStatusCode.BadRequest, "bad-request");
        Assert.Contains("64 hex digits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_dials_the_id()
    {
        using HttpClient client = Server.Client();
        using HttpResponseMessage response = await client.PostAsync(new Uri("v1/peers/connect", UriKind.Relative), Json($"{{\"id\":\"{FakeNodeControl.PeerId}\"}}")).WaitAsync(Timeout);
        ConnectResponse connected = await ReadAsync(response, ControlJsonContext.Default.ConnectResponse);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(connected.Connected);
        Assert.Equal(FakeNodeControl.PeerId, Assert.Single(Server.Node.Connected));
        Assert.Equal(("relayed", FakeNodeControl.UnknownId.ToString(), "127.0.0.1:47803"), (connected.Path, connected.Relay, connected.EndPoint));
    }

    [Theory]
    [InlineData("{\"id\":\"nothex\"}")]
    [InlineData("{}")]
    [InlineData("not json")]
    public async Task Connect_with_a_bad_body_is_400(string body)
    {
        using HttpClient client = Server.Client();
        using HttpResponseMessage response = await client.PostAsync(new Uri("v1/peers/connect", UriKind.Relative), Json(body)).WaitAsync(Timeout);
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "bad-request");
        Assert.Empty(Server.Node.Connected);
    }

    [Fact]
    public async Task Connect_to_an_unreachable_peer_is_502_with_the_reason()
    {
        Server.Node.ConnectFailure = new MeshException(MeshError.PeerUnreachable, "no address for the peer");
        using HttpClient client = Server.Client();
        using HttpResponseMessage response = await client.PostAsync(new Uri("v1/peers/connect", UriKind.Relative), Json($"{{\"id\":\"{FakeNodeControl.UnknownId}\"}}")).WaitAsync(Timeout);
        ErrorResponse error = await AssertErrorAsync(response, HttpStatusCode.BadGateway, "peer-unreachable");
        Assert.Equal("no address for the peer", error.Message);
    }

    [Fact]
    public async Task A_failing_node_is_a_json_500_not_an_empty_body()
    {
        Server.Node.ConnectFailure = new InvalidOperationException("the node is not running");
        using HttpClient client = Server.Client();
        using HttpResponseMessage response = await client.PostAsync(new Uri("v1/peers/connect", UriKind.Relative), Json($"{{\"id\":\"{FakeNodeControl.PeerId}\"}}")).WaitAsync(Timeout);
        await AssertErrorAsync(response, HttpStatusCode.InternalServerError, "internal");
    }

    [Fact]
    public async Task An_unknown_path_is_a_json_404()
    {
        using HttpClient client = Server.Client();
        using HttpResponseMessage response = await client.GetAsync(new Uri("v1/nowhere", UriKind.Relative)).WaitAsync(Timeout);
        await AssertErrorAsync(response, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Another_module_adds_endpoints_under_v1_behind_the_same_token()
    {
        using HttpClient client = Server.Client();
        IdResponse echo = await GetAsync(client, "v1/echo", ControlJsonContext.Default.IdResponse);
        Assert.Equal("echo", echo.Id);
    }

    private static async Task<ErrorResponse> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        ErrorResponse error = await ReadAsync(response, ControlJsonContext.Default.ErrorResponse);
        Assert.Equal(code, error.Error);
        return error;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<T> GetAsync<T>(HttpClient client, string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        using HttpResponseMessage response = await client.GetAsync(new Uri(path, UriKind.Relative)).WaitAsync(Timeout);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync().WaitAsync(Timeout)}");
        return await ReadAsync(response, type);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        string body = await response.Content.ReadAsStringAsync().WaitAsync(Timeout);
        return JsonSerializer.Deserialize(body, type) ?? throw new InvalidOperationException("null body: " + body);
    }

    /// <summary>What a plugin's module looks like: endpoints mapped on the /v1 group.</summary>
    private sealed class EchoModule : IControlApiModule
    {
        public void Map(IEndpointRouteBuilder endpoints) =>
            endpoints.MapGet("/echo", () => Results.Json(new IdResponse("echo"), ControlJsonContext.Default.IdResponse));
    }
}
