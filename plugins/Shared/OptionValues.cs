using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace MeshHost.Plugins.Shared;

/// <summary>Reads a plugin's settings by hand (no reflection binder); a bad value is an error naming the full key.</summary>
internal static class OptionValues
{
    /// <summary>The number at <paramref name="key"/>, or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="InvalidOperationException">The value is not a number from <paramref name="min"/> to <paramref name="max"/>.</exception>
    public static double Number(IConfiguration configuration, string section, string key, double fallback, double min, double max)
    {
        if (configuration[key] is not { } text)
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value < min || value > max)
        {
            throw Invalid(section, key, text, string.Create(CultureInfo.InvariantCulture, $"a number from {min} to {max}"));
        }

        return value;
    }

    /// <summary>The error for a value out of range: "Plugins:ID:KEY is 'VALUE'; it must be EXPECTED."</summary>
    public static InvalidOperationException Invalid(string section, string key, string value, string expected) =>
        new($"{section}:{key} is '{value}'; it must be {expected}.");
}
