using System.Net.Http.Headers;
using MeshHost.Control;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MeshHost.Host.Tests.Support;

/// <summary>The control API in process, on 127.0.0.1 and an ephemeral port, over a <see cref="FakeNodeControl"/>.</summary>
internal sealed class ControlApiServer : IAsyncDisposable
{
    public const string Token = "test-token-0123456789abcdefghijklmnopqrstuvwxyz";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly WebApplication _app;

    private ControlApiServer(WebApplication app, FakeNodeControl node, int port)
    {
        _app = app;
        Node = node;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public FakeNodeControl Node { get; }

    public Uri BaseAddress { get; }

    /// <param name="configure">Registers more services (another <see cref="IControlApiModule"/>, say).</param>
    public static async Task<ControlApiServer> StartAsync(Action<IServiceCollection>? configure = null)
    {
        FakeNodeControl node = new();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<INodeControl>(node);
        builder.AddControlApi(Token);
        configure?.Invoke(builder.Services);
        WebApplication app = builder.Build();
        app.MapControlApi();
        await app.StartAsync().WaitAsync(Timeout);
        return new ControlApiServer(app, node, ControlApi.BoundPort(app.Services.GetRequiredService<IServer>()));
    }

    /// <summary>A client that sends <paramref name="authorization"/> (none when null).</summary>
    public HttpClient Client(string? authorization = "Bearer " + Token)
    {
        HttpClient client = new() { BaseAddress = BaseAddress, Timeout = Timeout };
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(authorization);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(Timeout);
        await _app.DisposeAsync();
    }
}
