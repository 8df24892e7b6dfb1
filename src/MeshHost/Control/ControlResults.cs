using Microsoft.AspNetCore.Http;

namespace MeshHost.Control;

/// <summary>Error answers: every failure of the control API is <see cref="ErrorResponse"/> JSON with a stable code.</summary>
internal static class ControlResults
{
    public const string Unauthorized = "unauthorized";
    public const string BadRequest = "bad-request";
    public const string NotFound = "not-found";
    public const string PeerUnreachable = "peer-unreachable";
    public const string Timeout = "timeout";
    public const string Internal = "internal";

    public static IResult Error(int statusCode, string error, string message) =>
        Results.Json(new ErrorResponse(error, message), ControlJsonContext.Default.ErrorResponse, statusCode: statusCode);
}
