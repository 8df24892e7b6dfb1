namespace MeshHost.Sdk;

/// <summary>
/// Implemented by a plugin (its <see cref="IMeshPlugin"/> type) that adds endpoints to the node's
/// local control API. They are served under <c>/v1/plugins/&lt;id&gt;/</c>, behind the same token as
/// the rest of the API, and removed when the plugin stops.
/// </summary>
public interface IControlApiContributor
{
    /// <summary>Declares the plugin's endpoints. Called after the plugin started.</summary>
    void MapEndpoints(IControlApiBuilder api);
}

/// <summary>Collects a plugin's control API endpoints.</summary>
public interface IControlApiBuilder
{
    /// <summary>
    /// Adds an endpoint. <paramref name="pattern"/> is relative to the plugin's prefix and may hold
    /// <c>{name}</c> route parameters, for example <c>files/{hash}</c>.
    /// </summary>
    /// <param name="method">GET, POST, PUT or DELETE.</param>
    /// <param name="pattern">The route pattern.</param>
    /// <param name="handler">Answers requests; an exception becomes a JSON 500 and counts as a plugin fault.</param>
    void Map(string method, string pattern, ControlApiHandler handler);
}

/// <summary>Answers one control API request.</summary>
public delegate Task<ControlApiResponse> ControlApiHandler(ControlApiRequest request, CancellationToken cancellationToken);

/// <summary>A control API request as a plugin sees it.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="RouteValues">The pattern's parameters.</param>
/// <param name="Query">The query string's values (the first of repeated keys).</param>
/// <param name="Body">The request body (at most 1 MiB).</param>
public sealed record ControlApiRequest(string Method, IReadOnlyDictionary<string, string> RouteValues, IReadOnlyDictionary<string, string> Query, ReadOnlyMemory<byte> Body);

/// <summary>A control API response: a status code and a body.</summary>
/// <param name="StatusCode">The HTTP status code.</param>
/// <param name="ContentType">The body's media type.</param>
/// <param name="Body">The body.</param>
public sealed record ControlApiResponse(int StatusCode, string ContentType, ReadOnlyMemory<byte> Body)
{
    /// <summary>A JSON response from already-serialized JSON text.</summary>
    public static ControlApiResponse Json(string json, int statusCode = 200) =>
        new(statusCode, "application/json", System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>An error in the API's shape, <c>{"error": code, "message": message}</c>.</summary>
    public static ControlApiResponse Error(int statusCode, string code, string message) =>
        Json(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = code, ["message"] = message }, SdkJsonContext.Default.DictionaryStringString), statusCode);
}
