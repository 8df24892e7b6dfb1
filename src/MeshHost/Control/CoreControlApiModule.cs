using System.Text.Json;
using MeshHost.Mesh;
using MeshHost.Mesh.Nat;
using MeshHost.Sdk;
using MeshHost.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MeshHost.Control;

/// <summary>The node's own endpoints: id, status, peers, DHT lookup and connect (reference: docs/host.md).</summary>
internal sealed class CoreControlApiModule : IControlApiModule
{
    /// <summary>The longest a lookup or a dial may keep a request open.</summary>
    internal static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(30);

    private readonly INodeControl _node;
    private readonly TimeProvider _time;

    public CoreControlApiModule(INodeControl node, TimeProvider time)
    {
        _node = node;
        _time = time;
    }

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/id", () => Results.Json(new IdResponse(_node.GetStatus().Id.ToString()), ControlJsonContext.Default.IdResponse));
        endpoints.MapGet("/status", () => Results.Json(ControlMapping.ToResponse(_node.GetStatus()), ControlJsonContext.Default.StatusResponse));
        endpoints.MapGet("/peers", () => Results.Json(ControlMapping.ToResponse(_node.GetPeers()), ControlJsonContext.Default.PeersResponse));
        endpoints.MapGet("/dht/find/{id}", (Func<string, HttpContext, Task<IResult>>)FindAsync);
        endpoints.MapPost("/peers/connect", (Func<HttpContext, Task<IResult>>)ConnectAsync);
    }

    private async Task<IResult> FindAsync(string id, HttpContext context)
    {
        if (!NodeId.TryParse(id, out NodeId target))
        {
            return ControlResults.Error(StatusCodes.Status400BadRequest, ControlResults.BadRequest, NodeIds.NotAnId(id));
        }

        long started = _time.GetTimestamp();
        PeerLookup? lookup = await BoundedAsync(ct => _node.FindPeerAsync(target, ct), context.RequestAborted).ConfigureAwait(false);
        return lookup is null
            ? TimedOut("The lookup")
            : Results.Json(ControlMapping.ToResponse(lookup, _time.GetElapsedTime(started)), ControlJsonContext.Default.FindResponse);
    }

    private async Task<IResult> ConnectAsync(HttpContext context)
    {
        ConnectRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, ControlJsonContext.Default.ConnectRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return ControlResults.Error(StatusCodes.Status400BadRequest, ControlResults.BadRequest, "The body is not JSON of the form { \"id\": \"<64 hex digits>\" }: " + e.Message);
        }

        if (!NodeId.TryParse(request?.Id, out NodeId target))
        {
            return ControlResults.Error(StatusCodes.Status400BadRequest, ControlResults.BadRequest, NodeIds.NotAnId(request?.Id));
        }

        long started = _time.GetTimestamp();
        try
        {
            var outcome = await BoundedAsync(async ct => new ConnectOutcome(await _node.ConnectAsync(target, ct).ConfigureAwait(false)), context.RequestAborted).ConfigureAwait(false);
            return outcome is not null
                ? Results.Json(ControlMapping.ToConnectResponse(target, outcome.Path, _time.GetElapsedTime(started)), ControlJsonContext.Default.ConnectResponse)
                : TimedOut("The dial");
        }
        catch (MeshException e)
        {
            return ControlResults.Error(StatusCodes.Status502BadGateway, ControlResults.PeerUnreachable, e.Message);
        }
        catch (TimeoutException)
        {
            return TimedOut("The dial");
        }
    }

    /// <summary>Runs <paramref name="operation"/> for at most <see cref="OperationTimeout"/>; default when that ran out (not when the client left).</summary>
    private async Task<T?> BoundedAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken requestAborted)
    {
        using CancellationTokenSource timeout = new(OperationTimeout, _time);
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, timeout.Token);
        try
        {
            return await operation(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!requestAborted.IsCancellationRequested)
        {
            return default;
        }
    }

    private static IResult TimedOut(string what) =>
        ControlResults.Error(StatusCodes.Status504GatewayTimeout, ControlResults.Timeout, $"{what} took longer than {OperationTimeout.TotalSeconds:0} s.");

    /// <summary>A dial's answer; a class so that "timed out" (null) differs from "connected, path unknown".</summary>
    private sealed record ConnectOutcome(PeerPath? Path);
}
