using System.Runtime.Loader;
using MeshHost.Sdk;
using MeshHost.TestLib;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace TestPlugin.Isolated;

/// <summary>Answers which MeshHost.TestLib it got, and from which load context.</summary>
public sealed class IsolatedPlugin : IMeshPlugin, IControlApiContributor
{
    public string Name => "Isolated";

    public Version Version { get; } = new(1, 0, 0);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
    }

    public Task StartAsync(IPluginContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void MapEndpoints(IControlApiBuilder api) => api.Map("GET", "lib", (request, ct) => Task.FromResult(ControlApiResponse.Json(
        $"{{\"describe\":\"{Lib.Describe()}\",\"onlyInV2\":\"{Lib.OnlyInV2()}\",\"context\":\"{AssemblyLoadContext.GetLoadContext(typeof(Lib).Assembly)?.Name}\"}}")));
}
