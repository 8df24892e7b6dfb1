using System.Globalization;

namespace MeshHost.Cli;

/// <summary>How the CLI writes durations and paths for people.</summary>
internal static class Formatting
{
    public static string Duration(TimeSpan value) => value.TotalSeconds switch
    {
        < 1 => string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0.#} ms"),
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.#} s"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalMinutes}m {value.Seconds:00}s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalHours}h {value.Minutes:00}m"),
    };

    public static string Milliseconds(double value) => string.Create(CultureInfo.InvariantCulture, $"{value:0.#} ms");

    /// <summary>Quotes a path for a POSIX shell when it holds anything but safe characters, so a printed hint can be pasted.</summary>
    public static string Quote(string value)
    {
        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('/' or '.' or '-' or '_' or '~' or ':' or '+' or ','))
            {
                return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
            }
        }

        return value;
    }
}
