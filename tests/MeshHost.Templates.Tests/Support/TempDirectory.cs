namespace MeshHost.Templates.Tests.Support;

/// <summary>
/// A fresh directory under the system temp folder, deleted on dispose. It is checked to lie outside
/// the repository and below no Directory.Build.props, Directory.Packages.props or nuget.config, so a
/// project made in it sees only what the template gives it, as on a plugin author's machine.
/// </summary>
internal sealed class TempDirectory : IDisposable
{
    private static readonly string[] InheritedFiles =
        ["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "nuget.config", "NuGet.Config", "NuGet.config"];

    private readonly DirectoryInfo _directory;

    public TempDirectory(string prefix)
    {
        _directory = Directory.CreateTempSubdirectory(prefix);
        try
        {
            AssertIsolated();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Path => _directory.FullName;

    public string Combine(params string[] names) => System.IO.Path.Combine([Path, .. names]);

    public void Dispose()
    {
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A child that was just killed may still hold a file; the OS cleans temp.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise.
        }
    }

    private void AssertIsolated()
    {
        char separator = System.IO.Path.DirectorySeparatorChar;
        string repository = System.IO.Path.TrimEndingDirectorySeparator(BuildInfo.RepositoryRoot) + separator;
        Assert.False(
            (_directory.FullName + separator).StartsWith(repository, StringComparison.Ordinal),
            $"The temp directory {Path} is inside the repository {repository}; point TMPDIR elsewhere.");
        for (DirectoryInfo? parent = _directory.Parent; parent is not null; parent = parent.Parent)
        {
            foreach (string name in InheritedFiles)
            {
                string file = System.IO.Path.Combine(parent.FullName, name);
                Assert.False(File.Exists(file), $"{file} would apply to projects made under {Path}; point TMPDIR elsewhere.");
            }
        }
    }
}
