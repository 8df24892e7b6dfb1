using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MeshHost.Templates.Tests.Support;

/// <summary>A NuGet package source: its name in the configuration and where it is.</summary>
internal sealed record PackageSource(string Name, string Location);

/// <summary>
/// The nuget.config a project made from the template is built with: the temporary feed for the
/// MeshHost packages, and the sources this machine already uses for everything else (whatever they
/// are: they are read, never written down here).
/// </summary>
internal static partial class NuGetConfig
{
    /// <summary>The name of the temporary feed in the written configuration.</summary>
    public const string FeedName = "meshhost-test-feed";

    private static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The enabled sources that apply in <paramref name="directory"/>, from <c>dotnet nuget list source</c>.</summary>
    public static async Task<IReadOnlyList<PackageSource>> ReadEnabledSourcesAsync(string directory)
    {
        CommandResult list = (await DotnetProcess.RunAsync(directory, ListTimeout, null, "nuget", "list", "source")).AssertSucceeded();
        IReadOnlyList<PackageSource> sources = ParseEnabledSources(list.Output);
        Assert.True(sources.Count > 0, $"No enabled NuGet source is configured on this machine, so the template's build cannot restore its third-party packages.\n{list}");
        return sources;
    }

    /// <summary>
    /// Reads the default output of <c>dotnet nuget list source</c> (English): for each source a line
    /// <c>  1.  name [Enabled]</c> followed by its location.
    /// </summary>
    public static IReadOnlyList<PackageSource> ParseEnabledSources(string listOutput)
    {
        List<PackageSource> sources = [];
        string[] lines = listOutput.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i + 1 < lines.Length; i++)
        {
            Match header = SourceHeader().Match(lines[i]);
            if (header.Success && header.Groups["state"].Value == "Enabled")
            {
                sources.Add(new PackageSource(header.Groups["name"].Value, lines[i + 1]));
            }
        }

        return sources;
    }

    /// <summary>
    /// Writes a nuget.config that replaces the inherited sources with the feed plus
    /// <paramref name="machineSources"/> (same names, so any credentials configured for them still
    /// apply), and maps MeshHost.* to the feed alone: a MeshHost package of the same version elsewhere
    /// can never stand in for the one just packed.
    /// </summary>
    public static void Write(string path, string feedDirectory, IReadOnlyList<PackageSource> machineSources)
    {
        XElement sources = new("packageSources", new XElement("clear"), Add(FeedName, feedDirectory));
        XElement mapping = new("packageSourceMapping", new XElement("clear"), Map(FeedName, "MeshHost.*"));
        foreach (PackageSource source in machineSources)
        {
            sources.Add(Add(source.Name, source.Location));
            mapping.Add(Map(source.Name, "*"));
        }

        new XDocument(new XElement("configuration", sources, mapping)).Save(path);
    }

    private static XElement Add(string key, string value) => new("add", new XAttribute("key", key), new XAttribute("value", value));

    private static XElement Map(string key, string pattern) =>
        new("packageSource", new XAttribute("key", key), new XElement("package", new XAttribute("pattern", pattern)));

    [GeneratedRegex(@"^\d+\.\s+(?<name>.+?)\s+\[(?<state>[A-Za-z]+)\]$", RegexOptions.CultureInvariant)]
    private static partial Regex SourceHeader();
}
