using MeshHost.Templates.Tests.Support;

namespace MeshHost.Templates.Tests;

/// <summary>
/// The packages, packed once per test run from this repository's build (no build of their own: the
/// test project's references built them) into a feed in a temp directory outside the repository.
/// </summary>
public sealed class PackageFeed : IAsyncLifetime
{
    /// <summary>The packed projects, relative to the repository root, each making the package of its name.</summary>
    public static readonly IReadOnlyList<string> Projects =
    [
        "src/MeshHost.MessagePack/MeshHost.MessagePack.csproj",
        "sdk/MeshHost.Sdk/MeshHost.Sdk.csproj",
        "sdk/MeshHost.Sdk.Testing/MeshHost.Sdk.Testing.csproj",
        "sdk/MeshHost.Sdk.Templates/MeshHost.Sdk.Templates.csproj",
    ];

    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(2);

    private TempDirectory? _directory;

    /// <summary>The folder holding the .nupkg files.</summary>
    public string Directory => Path.Combine(Root.Path, "feed");

    private TempDirectory Root => _directory ?? throw new InvalidOperationException("The feed is not packed yet.");

    /// <summary>The package <paramref name="id"/>'s file in the feed; fails if there is not exactly one.</summary>
    public string PackagePath(string id)
    {
        string[] matches = System.IO.Directory.GetFiles(Directory, id + ".*.nupkg")
            .Where(file => char.IsAsciiDigit(Path.GetFileName(file)[id.Length + 1]))
            .ToArray();
        Assert.True(matches.Length == 1, $"Expected one {id} package in {Directory}, found: {string.Join(", ", System.IO.Directory.GetFiles(Directory).Select(Path.GetFileName))}");
        return matches[0];
    }

    public async Task InitializeAsync()
    {
        _directory = new TempDirectory("meshhost-feed-");
        CommandResult[] packs = await Task.WhenAll(Projects.Select(project => DotnetProcess.RunAsync(
            BuildInfo.RepositoryRoot,
            PackTimeout,
            null,
            "pack",
            Path.Combine(BuildInfo.RepositoryRoot, project),
            "-c",
            BuildInfo.Configuration,
            "--no-build",
            "-o",
            Directory)));
        foreach (CommandResult pack in packs)
        {
            pack.AssertSucceeded();
        }
    }

    public Task DisposeAsync()
    {
        _directory?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Every test that uses the packed feed shares one packing.</summary>
[CollectionDefinition(Name)]
public sealed class PackageFeedCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "Packed feed";
}
