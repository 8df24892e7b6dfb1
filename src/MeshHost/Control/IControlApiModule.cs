using Microsoft.AspNetCore.Routing;

namespace MeshHost.Control;

/// <summary>
/// Maps a group of control API endpoints. The core endpoints are one module; plugins add theirs by
/// registering another implementation in DI.
/// </summary>
internal interface IControlApiModule
{
    /// <summary>Maps the module's endpoints on <paramref name="endpoints"/>, a group rooted at <c>/v1</c> that demands the token.</summary>
    void Map(IEndpointRouteBuilder endpoints);
}
