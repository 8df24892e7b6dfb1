using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace MeshHost.Control;

/// <summary>
/// In front of every control API request: demands <c>Authorization: Bearer &lt;token&gt;</c>
/// (compared in constant time), and turns a handler's unexpected exception into a JSON 500 that
/// the log explains, so a client never gets an empty or HTML body.
/// </summary>
internal sealed class ControlApiMiddleware
{
    private const string Scheme = "Bearer ";

    private readonly string _token;
    private readonly ILogger<ControlApiMiddleware> _logger;

    public ControlApiMiddleware(ControlApiSettings settings, ILogger<ControlApiMiddleware> logger)
    {
        _token = settings.Token;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        string? reason = Authenticate(context.Request.Headers.Authorization.ToString());
        if (reason is not null)
        {
            HostLog.ControlRequestRejected(_logger, context.Request.Path, reason);
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await ControlResults.Error(StatusCodes.Status401Unauthorized, ControlResults.Unauthorized, reason + " Send 'Authorization: Bearer <token>' with the token from control.token in the node's data directory.")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            HostLog.ControlRequestFailed(_logger, context.Request.Method, context.Request.Path, e);
            await ControlResults.Error(StatusCodes.Status500InternalServerError, ControlResults.Internal, "The node failed to answer: " + e.Message)
                .ExecuteAsync(context).ConfigureAwait(false);
        }
    }

    private string? Authenticate(string header)
    {
        if (header.Length == 0)
        {
            return "The request has no Authorization header.";
        }

        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return "The Authorization header is not a bearer token.";
        }

        return ControlToken.Matches(_token, header.AsSpan(Scheme.Length).Trim()) ? null : "The bearer token is wrong.";
    }
}
