using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace MeshHost.Sdk.Testing;

/// <summary>
/// A read-only configuration over a flat dictionary of <c>:</c>-separated keys (case-insensitive), so
/// the kit can hand a plugin its section without the configuration packages.
/// </summary>
internal sealed class MemoryConfiguration : IConfigurationSection
{
    private readonly Dictionary<string, string?> _values;

    public MemoryConfiguration(IEnumerable<KeyValuePair<string, string?>> values)
        : this(new Dictionary<string, string?>(values, StringComparer.OrdinalIgnoreCase), "")
    {
    }

    private MemoryConfiguration(Dictionary<string, string?> values, string path)
    {
        _values = values;
        Path = path;
    }

    public string Key => ConfigurationPath.GetSectionKey(Path);

    public string Path { get; }

    public string? Value
    {
        get => Path.Length == 0 ? null : _values.GetValueOrDefault(Path);
        set => throw new NotSupportedException("The kit's configuration is read-only.");
    }

    public string? this[string key]
    {
        get => _values.GetValueOrDefault(Combine(key));
        set => throw new NotSupportedException("The kit's configuration is read-only.");
    }

    public IConfigurationSection GetSection(string key) => new MemoryConfiguration(_values, Combine(key));

    public IEnumerable<IConfigurationSection> GetChildren()
    {
        string prefix = Path.Length == 0 ? "" : Path + ":";
        var children = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string key in _values.Keys)
        {
            if (key.Length > prefix.Length && key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                string rest = key[prefix.Length..];
                int colon = rest.IndexOf(':', StringComparison.Ordinal);
                children.Add(colon < 0 ? rest : rest[..colon]);
            }
        }

        var sections = new List<IConfigurationSection>(children.Count);
        foreach (string child in children)
        {
            sections.Add(GetSection(child));
        }

        return sections;
    }

    public IChangeToken GetReloadToken() => new CancellationChangeToken(CancellationToken.None);

    private string Combine(string key) => Path.Length == 0 ? key : ConfigurationPath.Combine(Path, key);
}
