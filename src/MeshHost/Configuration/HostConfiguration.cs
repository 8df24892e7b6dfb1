using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace MeshHost.Configuration;

/// <summary>
/// Builds the configuration of <c>meshhost run</c>. Lowest to highest precedence: built-in
/// defaults, the JSON file (<c>--config</c>, else <c>meshhost.json</c> in the data directory),
/// <c>MESHHOST_</c> environment variables, then command-line options.
/// </summary>
internal static class HostConfiguration
{
    private const string DataDirectoryKey = MeshSettings.SectionName + ":" + nameof(MeshSettings.DataDirectory);

    /// <summary>Builds the layered configuration; <see cref="DataDirectoryKey"/> ends up holding the full path of the data directory.</summary>
    /// <param name="configPath">The <c>--config</c> option; must exist when given.</param>
    /// <param name="commandLine">Configuration keys set by command-line options.</param>
    /// <exception cref="UsageException">The file is missing or is not valid JSON.</exception>
    public static IConfigurationRoot Build(string? configPath, IReadOnlyDictionary<string, string?> commandLine)
    {
        string? explicitFile = null;
        if (!string.IsNullOrWhiteSpace(configPath))
        {
            explicitFile = Path.GetFullPath(configPath);
            if (!File.Exists(explicitFile))
            {
                throw new UsageException($"The configuration file {explicitFile} does not exist.");
            }
        }

        // The data directory can come from any layer, and it names where the default file is: so
        // resolve it over the layers without that file first.
        string dataDirectory = Path.GetFullPath(Layer(explicitFile, commandLine)[DataDirectoryKey] is { Length: > 0 } configured ? configured : DataDirectory.Default);
        string file = explicitFile ?? Path.Combine(dataDirectory, DataDirectory.ConfigFileName);
        return Layer(file, new Dictionary<string, string?>(commandLine) { [DataDirectoryKey] = dataDirectory });
    }

    private static IConfigurationRoot Layer(string? file, IReadOnlyDictionary<string, string?> commandLine)
    {
        ConfigurationBuilder builder = new();
        if (file is not null)
        {
            builder.AddJsonFile(file, optional: true, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(DataDirectory.EnvironmentPrefix);
        builder.AddInMemoryCollection(commandLine);
        try
        {
            return builder.Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or JsonException)
        {
            throw new UsageException($"The configuration file {file} is not valid JSON: {e.InnerException?.Message ?? e.Message}", e);
        }
    }
}
