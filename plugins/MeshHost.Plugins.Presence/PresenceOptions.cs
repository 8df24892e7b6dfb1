using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace MeshHost.Plugins.Presence;

/// <summary>
/// The plugin's settings, from its configuration section <c>Plugins:meshhost.presence</c>, read by
/// hand (no reflection binder, which would keep the plugin's types in a host cache).
/// </summary>
public sealed record PresenceOptions
{
    /// <summary>How often this node beats; 1 s to 1 h. Default 10 s. Key <c>IntervalSeconds</c>.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A name for people shown beside this node's id; at most 64 characters. Key <c>Name</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary>How many peers the table holds; the least recently heard is dropped beyond it. Default 1024. Key <c>MaxPeers</c>.</summary>
    public int MaxPeers { get; init; } = 1024;

    /// <summary>Reads the section; a value that is present but out of range is an error that names the key.</summary>
    /// <exception cref="InvalidOperationException">A value is not a number or is out of range.</exception>
    public static PresenceOptions From(IConfiguration configuration)
    {
        var options = new PresenceOptions();
        if (configuration["IntervalSeconds"] is { } interval)
        {
            double seconds = ParseNumber(interval, "IntervalSeconds");
            if (seconds * 1000 is < PresenceLimits.MinIntervalMilliseconds or > PresenceLimits.MaxIntervalMilliseconds)
            {
                throw Invalid("IntervalSeconds", interval, "1 to 3600");
            }

            options = options with { Interval = TimeSpan.FromSeconds(seconds) };
        }

        if (configuration["Name"] is { } name)
        {
            if (name.Length > PresenceLimits.MaxNameLength)
            {
                throw Invalid("Name", name, $"at most {PresenceLimits.MaxNameLength} characters");
            }

            options = options with { Name = name };
        }

        if (configuration["MaxPeers"] is { } maxPeers)
        {
            double count = ParseNumber(maxPeers, "MaxPeers");
            if (count is < 1 or > 100_000 || count != Math.Floor(count))
            {
                throw Invalid("MaxPeers", maxPeers, "a whole number from 1 to 100000");
            }

            options = options with { MaxPeers = (int)count };
        }

        return options;
    }

    private static double ParseNumber(string value, string key) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number)
            ? number
            : throw Invalid(key, value, "a number");

    private static InvalidOperationException Invalid(string key, string value, string expected) =>
        new($"Plugins:meshhost.presence:{key} is '{value}'; it must be {expected}.");
}
