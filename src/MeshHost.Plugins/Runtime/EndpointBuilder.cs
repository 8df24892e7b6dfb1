using MeshHost.Sdk;

namespace MeshHost.Plugins.Runtime;

/// <summary>Collects a plugin's endpoints, wrapping each handler with the plugin's fault isolation.</summary>
internal sealed class EndpointBuilder : IControlApiBuilder
{
    private readonly HandlerGuard _guard;

    public EndpointBuilder(HandlerGuard guard)
    {
        _guard = guard;
    }

    public List<PluginEndpoint> Endpoints { get; } = [];

    public void Map(string method, string pattern, ControlApiHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        (string m, string p) = PluginEndpoint.Validate(method, pattern);
        foreach (PluginEndpoint existing in Endpoints)
        {
            if (existing.Method == m && existing.Pattern == p)
            {
                throw new ArgumentException($"{m} {p} is already mapped.", nameof(pattern));
            }
        }

        Endpoints.Add(new PluginEndpoint(m, p, _guard.Wrap(handler, $"endpoint {m} {p}")));
    }
}
