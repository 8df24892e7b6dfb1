using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace MeshHost.Plugins;

/// <summary>
/// The host's <c>Plugins</c> section: where plugins are installed, hot reload, and the fault policy.
/// The same section holds each plugin's own settings under its id (<c>Plugins:&lt;id&gt;</c>), so the
/// host's key names are never plugin ids.
/// </summary>
internal sealed record PluginSettings(IReadOnlyList<string> Directories, bool HotReload, PluginRuntimeOptions Runtime)
{
    public const string SectionName = "Plugins";

    /// <summary>The plugins folder shipped next to the executable.</summary>
    public static string BundledDirectory => Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>The folder in the data directory for plugins installed for one node.</summary>
    public static string InstalledDirectory(string dataDirectory) => Path.Combine(dataDirectory, "plugins-installed");

    /// <summary>Reads and checks the section.</summary>
    /// <exception cref="UsageException">A value is malformed or out of range.</exception>
    public static PluginSettings Read(IConfiguration configuration, string dataDirectory)
    {
        IConfigurationSection section = configuration.GetSection(SectionName);
        string? directory = section["Directory"];
        IReadOnlyList<string> directories = string.IsNullOrWhiteSpace(directory)
            ? [BundledDirectory, InstalledDirectory(dataDirectory)]
            : [Path.GetFullPath(directory)];
        var runtime = new PluginRuntimeOptions
        {
            MaxFaults = (int)Number(section, "MaxFaults", PluginRuntimeOptions.DefaultMaxFaults, 0, int.MaxValue),
            FaultWindow = Seconds(section, "FaultWindowSeconds", PluginRuntimeOptions.DefaultFaultWindow),
            StartTimeout = Seconds(section, "StartTimeoutSeconds", PluginRuntimeOptions.DefaultStartTimeout),
            StopTimeout = Seconds(section, "StopTimeoutSeconds", PluginRuntimeOptions.DefaultStopTimeout),
        };
        bool hotReload = true;
        if (section["HotReload"] is { } text && !bool.TryParse(text, out hotReload))
        {
            throw new UsageException($"{SectionName}:HotReload is '{text}'; use true or false.");
        }

        return new PluginSettings(directories, hotReload, runtime);
    }

    private static TimeSpan Seconds(IConfigurationSection section, string key, TimeSpan fallback) =>
        TimeSpan.FromSeconds(Number(section, key, fallback.TotalSeconds, 0.001, TimeSpan.FromDays(1).TotalSeconds));

    private static double Number(IConfigurationSection section, string key, double fallback, double minimum, double maximum)
    {
        if (section[key] is not { } text)
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value < minimum || value > maximum)
        {
            throw new UsageException($"{SectionName}:{key} is '{text}'; it must be a number from {minimum.ToString(CultureInfo.InvariantCulture)} to {maximum.ToString(CultureInfo.InvariantCulture)}.");
        }

        return value;
    }
}
