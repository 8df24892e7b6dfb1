using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace MeshHost.Plugins.Runtime;

/// <summary>The configuration a plugin sees when the host has none: every key is missing.</summary>
internal sealed class EmptyConfiguration : IConfigurationSection
{
    public EmptyConfiguration(string path)
    {
        Path = path;
        Key = ConfigurationPath.GetSectionKey(path);
    }

    public string Key { get; }

    public string Path { get; }

    public string? Value
    {
        get => null;
        set => throw new NotSupportedException("The plugin's configuration is read-only.");
    }

    public string? this[string key]
    {
        get => null;
        set => throw new NotSupportedException("The plugin's configuration is read-only.");
    }

    public IEnumerable<IConfigurationSection> GetChildren() => [];

    public IChangeToken GetReloadToken() => new CancellationChangeToken(CancellationToken.None);

    public IConfigurationSection GetSection(string key) => new EmptyConfiguration(ConfigurationPath.Combine(Path, key));
}
