using MeshHost.Control;
using MeshHost.Sdk;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MeshHost.Plugins;

/// <summary>
/// The plugins' endpoints: the list, load/unload/reload, and one catch-all route that dispatches
/// <c>/v1/plugins/&lt;id&gt;/...</c> to the running plugin's current endpoint table, so plugins come
/// and go without touching ASP.NET Core's routing (whose tables would otherwise keep their delegates alive).
/// </summary>
internal sealed class PluginControlApiModule : IControlApiModule
{
    /// <summary>The largest request body handed to a plugin (the SDK promises at most 1 MiB).</summary>
    private const int MaxBodyBytes = 1024 * 1024;

    private readonly IPluginManagerAccessor _plugins;

    public PluginControlApiModule(IPluginManagerAccessor plugins)
    {
        _plugins = plugins;
    }

    public static PluginResponse ToResponse(PluginStatus s) =>
        new(s.Id, s.Version?.ToString(), s.State.ToString().ToLowerInvariant(), s.Reason, s.Folder, s.Faults, s.Description);

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/plugins", () => _plugins.Manager is { } manager
            ? Results.Json(new PluginsResponse([.. manager.List().Select(ToResponse)]), ControlJsonContext.Default.PluginsResponse)
            : NotRunning());
        endpoints.MapPost("/plugins/{id}/load", (string id, HttpContext context) => ManageAsync(id, (m, ct) => m.LoadAsync(id, ct), context));
        endpoints.MapPost("/plugins/{id}/unload", (string id, HttpContext context) => ManageAsync(id, (m, ct) => m.UnloadAsync(id, ct), context));
        endpoints.MapPost("/plugins/{id}/reload", (string id, HttpContext context) => ManageAsync(id, (m, ct) => m.ReloadAsync(id, ct), context));
        endpoints.Map("/plugins/{id}/{**path}", DispatchAsync);
    }

    private static IResult NotRunning() =>
        ControlResults.Error(StatusCodes.Status404NotFound, ControlResults.NotFound, "The node's plugins are not running.");

    private async Task<IResult> ManageAsync(string id, Func<PluginManager, CancellationToken, Task<PluginStatus?>> operation, HttpContext context)
    {
        if (!PluginManager.IsValidId(id))
        {
            return ControlResults.Error(StatusCodes.Status400BadRequest, ControlResults.BadRequest, $"'{id}' is not a plugin id (1 to 64 of a-z, 0-9, '.', '-', '_').");
        }

        if (_plugins.Manager is not { } manager)
        {
            return NotRunning();
        }

        PluginStatus? status = await operation(manager, context.RequestAborted).ConfigureAwait(false);
        return status is null
            ? ControlResults.Error(StatusCodes.Status404NotFound, ControlResults.NotFound, $"No plugin '{id}' is installed in {string.Join(" or ", manager.Directories)}.")
            : Results.Json(ToResponse(status), ControlJsonContext.Default.PluginResponse);
    }

    private async Task DispatchAsync(HttpContext context)
    {
        string id = (string)context.Request.RouteValues["id"]!;
        string path = context.Request.RouteValues["path"] as string ?? "";
        if (_plugins.Manager is not { } manager)
        {
            await NotRunning().ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            await TooLarge().ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
        if (body.Length > MaxBodyBytes)
        {
            await TooLarge().ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> pair in context.Request.Query)
        {
            query[pair.Key] = pair.Value.Count > 0 ? pair.Value[0] ?? "" : "";
        }

        ControlApiResponse response = await manager.InvokeEndpointAsync(id, context.Request.Method, path, query, body.GetBuffer().AsMemory(0, (int)body.Length), context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = response.StatusCode;
        context.Response.ContentType = response.ContentType;
        await context.Response.Body.WriteAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    private static IResult TooLarge() =>
        ControlResults.Error(StatusCodes.Status413PayloadTooLarge, ControlResults.BadRequest, $"A plugin endpoint takes a body of at most {MaxBodyBytes} bytes.");
}
