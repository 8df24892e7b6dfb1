using MeshHost.Sdk;

namespace MeshHost.Plugins;

/// <summary>One control API endpoint a running plugin mapped (<see cref="IControlApiContributor"/>); its handler is fault-isolated.</summary>
public sealed class PluginEndpoint
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE"];

    private readonly string[] _segments;

    internal PluginEndpoint(string method, string pattern, ControlApiHandler handler)
    {
        Method = method;
        Pattern = pattern;
        Handler = handler;
        _segments = Split(pattern);
    }

    /// <summary>GET, POST, PUT or DELETE.</summary>
    public string Method { get; }

    /// <summary>The pattern, relative to <c>/v1/plugins/&lt;id&gt;/</c>, for example <c>files/{hash}</c>.</summary>
    public string Pattern { get; }

    internal ControlApiHandler Handler { get; }

    /// <summary>Checks and normalizes a method and pattern as <see cref="IControlApiBuilder.Map"/> receives them.</summary>
    /// <exception cref="ArgumentException">An unknown method, or a pattern with an empty or malformed segment.</exception>
    internal static (string Method, string Pattern) Validate(string method, string pattern)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(pattern);
        string upper = method.ToUpperInvariant();
        if (Array.IndexOf(Methods, upper) < 0)
        {
            throw new ArgumentException($"'{method}' is not one of GET, POST, PUT, DELETE.", nameof(method));
        }

        string trimmed = pattern.Trim('/');
        foreach (string segment in Split(trimmed))
        {
            bool parameter = segment.StartsWith('{') && segment.EndsWith('}');
            if (segment.Length == 0 || (parameter && segment.Length < 3) || (!parameter && (segment.Contains('{', StringComparison.Ordinal) || segment.Contains('}', StringComparison.Ordinal))))
            {
                throw new ArgumentException($"'{pattern}' is not a route pattern: segments are literal text or a {{name}}.", nameof(pattern));
            }
        }

        return (upper, trimmed);
    }

    /// <summary>Matches a path relative to the plugin's prefix (no query), collecting the pattern's parameters.</summary>
    public bool TryMatch(string path, out IReadOnlyDictionary<string, string> routeValues)
    {
        ArgumentNullException.ThrowIfNull(path);
        routeValues = EmptyValues;
        string[] parts = Split(path.Trim('/'));
        if (parts.Length != _segments.Length)
        {
            return false;
        }

        Dictionary<string, string>? values = null;
        for (int i = 0; i < parts.Length; i++)
        {
            string segment = _segments[i];
            if (segment.StartsWith('{'))
            {
                if (parts[i].Length == 0)
                {
                    return false;
                }

                values ??= new Dictionary<string, string>(StringComparer.Ordinal);
                values[segment[1..^1]] = Uri.UnescapeDataString(parts[i]);
            }
            else if (!string.Equals(segment, parts[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        routeValues = values ?? EmptyValues;
        return true;
    }

    private static IReadOnlyDictionary<string, string> EmptyValues { get; } = new Dictionary<string, string>();

    private static string[] Split(string path) => path.Length == 0 ? [] : path.Split('/');
}
