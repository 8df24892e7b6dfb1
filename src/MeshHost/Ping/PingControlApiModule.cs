using System.Text.Json;
using MeshHost.Control;
using MeshHost.Sdk;
using MeshHost.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace MeshHost.Ping;

/// <summary><c>POST /v1/ping</c>: echoes data to a peer end to end and reports what came back (reference: docs/host.md).</summary>
internal sealed class PingControlApiModule : IControlApiModule
{
    private readonly INodeControl _node;
    private readonly EchoService _echo;
    private readonly TimeProvider _time;
    private readonly ILogger<PingRunner> _logger;

    public PingControlApiModule(INodeControl node, EchoService echo, TimeProvider time, ILogger<PingRunner> logger)
    {
        _node = node;
        _echo = echo;
        _time = time;
        _logger = logger;
    }

    public void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/ping", (Func<HttpContext, Task<IResult>>)PingAsync);

    private async Task<IResult> PingAsync(HttpContext context)
    {
        PingRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, ControlJsonContext.Default.PingRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return BadRequest("The body is not JSON of the form { \"id\": \"<64 hex digits>\", \"count\", \"size\", \"window\", \"timeoutSeconds\" }: " + e.Message);
        }

        if (!NodeId.TryParse(request?.Id, out NodeId target))
        {
            return BadRequest(NodeIds.NotAnId(request?.Id));
        }

        if (PingSettings.Problem(request!.Count, request.Size, request.Window, request.TimeoutSeconds) is { } problem)
        {
            return BadRequest(problem);
        }

        if (target == _node.GetStatus().Id)
        {
            return BadRequest("That is this node's own id: ping another node.");
        }

        PingSettings settings = PingSettings.From(request.Count, request.Size, request.Window, request.TimeoutSeconds);
        try
        {
            PingRunner runner = new(_node, _echo.Channel, _time, _logger);
            PingResponse response = await runner.RunAsync(target, settings, seed: null, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(response, ControlJsonContext.Default.PingResponse);
        }
        catch (MeshException e)
        {
            return ControlResults.Error(StatusCodes.Status502BadGateway, ControlResults.PeerUnreachable, e.Message);
        }
        catch (TimeoutException e)
        {
            return ControlResults.Error(StatusCodes.Status504GatewayTimeout, ControlResults.Timeout, e.Message);
        }
    }

    private static IResult BadRequest(string message) =>
        ControlResults.Error(StatusCodes.Status400BadRequest, ControlResults.BadRequest, message);
}
