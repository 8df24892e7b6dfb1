using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MeshHost.Control;

/// <summary>The control API's token, as DI holds it.</summary>
internal sealed record ControlApiSettings(string Token);

/// <summary>
/// Composes the control API: Kestrel on 127.0.0.1 and an ephemeral port, the token check in front
/// of everything, and the endpoints of every registered <see cref="IControlApiModule"/> under <c>/v1</c>.
/// </summary>
internal static class ControlApi
{
    /// <summary>Listens on loopback only and registers the token check and the core endpoints.</summary>
    public static WebApplicationBuilder AddControlApi(this WebApplicationBuilder builder, string token)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(new ControlApiSettings(token));
        builder.Services.AddSingleton<ControlApiMiddleware>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IControlApiModule, CoreControlApiModule>());
        return builder;
    }

    /// <summary>Puts the token check in front and maps every module.</summary>
    public static WebApplication MapControlApi(this WebApplication app)
    {
        ControlApiMiddleware middleware = app.Services.GetRequiredService<ControlApiMiddleware>();
        app.Use(middleware.InvokeAsync);
        RouteGroupBuilder v1 = app.MapGroup("/v1");
        foreach (IControlApiModule module in app.Services.GetServices<IControlApiModule>())
        {
            module.Map(v1);
        }

        app.MapFallback(static (HttpContext context) => ControlResults.Error(
            StatusCodes.Status404NotFound, ControlResults.NotFound, $"There is no control API endpoint {context.Request.Method} {context.Request.Path}."));
        return app;
    }

    /// <summary>The port Kestrel bound, once the application has started.</summary>
    public static int BoundPort(IServer server)
    {
        ICollection<string>? addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        foreach (string address in addresses ?? [])
        {
            return new Uri(address).Port;
        }

        throw new InvalidOperationException("The control API is not listening.");
    }
}
