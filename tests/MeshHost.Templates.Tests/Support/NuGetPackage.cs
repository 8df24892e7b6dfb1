using System.IO.Compression;
using System.Xml.Linq;

namespace MeshHost.Templates.Tests.Support;

/// <summary>A dependency in a package's nuspec: the id and the version range as written.</summary>
internal sealed record PackageDependency(string Id, string Version);

/// <summary>What a .nupkg holds, read from its zip entries and nuspec.</summary>
internal sealed class NuGetPackage
{
    private NuGetPackage(XDocument nuspec, IReadOnlyList<string> files)
    {
        Id = Element(nuspec, "id");
        Version = Element(nuspec, "version");
        Files = files;
        Dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => new PackageDependency((string)e.Attribute("id")!, (string)e.Attribute("version")!))
            .ToArray();
        PackageTypes = nuspec.Descendants().Where(e => e.Name.LocalName == "packageType")
            .Select(e => (string)e.Attribute("name")!)
            .ToArray();
    }

    public string Id { get; }

    public string Version { get; }

    /// <summary>The package's files (paths with '/'), without NuGet's own bookkeeping parts.</summary>
    public IReadOnlyList<string> Files { get; }

    public IReadOnlyList<PackageDependency> Dependencies { get; }

    public IReadOnlyList<string> PackageTypes { get; }

    public static NuGetPackage Open(string path)
    {
        using ZipArchive zip = ZipFile.OpenRead(path);
        ZipArchiveEntry nuspecEntry = zip.Entries.Single(e => !e.FullName.Contains('/', StringComparison.Ordinal) && e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase));
        XDocument nuspec;
        using (Stream stream = nuspecEntry.Open())
        {
            nuspec = XDocument.Load(stream);
        }

        string[] files = zip.Entries.Select(e => e.FullName)
            .Where(name => name != nuspecEntry.FullName && !name.StartsWith("_rels/", StringComparison.Ordinal)
                && !name.StartsWith("package/", StringComparison.Ordinal) && name != "[Content_Types].xml")
            .ToArray();
        return new NuGetPackage(nuspec, files);
    }

    /// <summary>Reads one file of the package as text.</summary>
    public static string ReadText(string path, string file)
    {
        using ZipArchive zip = ZipFile.OpenRead(path);
        ZipArchiveEntry entry = zip.GetEntry(file) ?? throw new FileNotFoundException($"{path} has no {file}.");
        using StreamReader reader = new(entry.Open());
        return reader.ReadToEnd();
    }

    public override string ToString() =>
        $"{Id} {Version}\n  files: {string.Join(", ", Files)}\n  dependencies: {string.Join(", ", Dependencies.Select(d => $"{d.Id} {d.Version}"))}";

    private static string Element(XDocument nuspec, string name) =>
        nuspec.Descendants().First(e => e.Name.LocalName == name).Value;
}
