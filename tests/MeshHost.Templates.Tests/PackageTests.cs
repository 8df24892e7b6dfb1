using System.Text.Json;
using MeshHost.Sdk;
using MeshHost.Templates.Tests.Support;

namespace MeshHost.Templates.Tests;

/// <summary>What each package holds and depends on (docs/packaging.md), read from the packed .nupkg files.</summary>
[Collection(PackageFeedCollection.Name)]
[Trait("Category", "Packaging")]
public sealed class PackageTests(PackageFeed feed)
{
    private const string Lib = "lib/net10.0/";

    private static readonly string SdkVersionText = SdkVersion.Current.ToString(3);

    [Fact]
    public void Sdk_package_holds_the_contract_and_the_generator_and_depends_on_the_runtime_package()
    {
        NuGetPackage sdk = NuGetPackage.Open(feed.PackagePath("MeshHost.Sdk"));

        // The package version is the contract version plugins' manifests are checked against.
        Assert.Equal(SdkVersionText, sdk.Version);
        Assert.Contains(Lib + "MeshHost.Sdk.dll", sdk.Files);
        Assert.Contains(Lib + "MeshHost.Sdk.xml", sdk.Files);
        Assert.Contains("analyzers/dotnet/cs/MeshHost.MessagePack.Generator.dll", sdk.Files);
        Assert.DoesNotContain(sdk.Files, file => file.EndsWith("/MeshHost.MessagePack.dll", StringComparison.Ordinal));
        Assert.Contains(new PackageDependency("MeshHost.MessagePack", SdkVersionText), sdk.Dependencies);
        Assert.DoesNotContain(sdk.Dependencies, d => d.Id == "MeshHost.MessagePack.Generator");
    }

    [Fact]
    public void MessagePack_package_holds_the_runtime_alone()
    {
        NuGetPackage messagePack = NuGetPackage.Open(feed.PackagePath("MeshHost.MessagePack"));

        Assert.Equal(SdkVersionText, messagePack.Version);
        Assert.Equal([Lib + "MeshHost.MessagePack.dll", Lib + "MeshHost.MessagePack.xml"], messagePack.Files.Order());
        Assert.Empty(messagePack.Dependencies);
    }

    [Fact]
    public void Testing_package_bundles_the_host_side_assemblies_and_depends_on_the_sdk()
    {
        NuGetPackage testing = NuGetPackage.Open(feed.PackagePath("MeshHost.Sdk.Testing"));

        Assert.Equal(SdkVersionText, testing.Version);
        foreach (string assembly in new[] { "MeshHost.Sdk.Testing", "MeshHost.Plugins", "MeshHost.Mesh", "MeshHost.Transport", "MeshHost.Dht" })
        {
            Assert.True(testing.Files.Contains(Lib + assembly + ".dll"), $"{assembly}.dll is missing.\n{testing}");
        }

        // The SDK and the MessagePack runtime come once, from their own packages.
        Assert.DoesNotContain(Lib + "MeshHost.Sdk.dll", testing.Files);
        Assert.DoesNotContain(Lib + "MeshHost.MessagePack.dll", testing.Files);
        Assert.Contains(new PackageDependency("MeshHost.Sdk", SdkVersionText), testing.Dependencies);
        Assert.True(testing.Dependencies.Any(d => d.Id == "Microsoft.Extensions.DependencyInjection"), $"The bundled MeshHost.Plugins needs Microsoft.Extensions.DependencyInjection.\n{testing}");
    }

    [Fact]
    public void Every_MeshHost_dependency_is_a_package_of_the_feed_at_the_same_version()
    {
        foreach (string project in PackageFeed.Projects)
        {
            NuGetPackage package = NuGetPackage.Open(feed.PackagePath(Path.GetFileNameWithoutExtension(project)));
            foreach (PackageDependency dependency in package.Dependencies.Where(d => d.Id.StartsWith("MeshHost.", StringComparison.Ordinal)))
            {
                // A host-side project referenced without PrivateAssets="all" would show up here as a package nobody publishes.
                Assert.True(
                    PackageFeed.Projects.Any(p => Path.GetFileNameWithoutExtension(p) == dependency.Id),
                    $"{package.Id} depends on {dependency.Id}, which is not one of the packages.\n{package}");
                Assert.Equal(package.Version, dependency.Version);
            }
        }
    }

    [Fact]
    public void Templates_package_holds_the_plugin_template_for_this_sdk_version()
    {
        string path = feed.PackagePath("MeshHost.Sdk.Templates");
        NuGetPackage templates = NuGetPackage.Open(path);

        Assert.Equal(SdkVersionText, templates.Version);
        Assert.Equal(["Template"], templates.PackageTypes);
        Assert.Empty(templates.Dependencies);
        const string Root = "content/meshhost-plugin/";
        Assert.Equal(
            [Root + ".template.config/dotnetcli.host.json", Root + ".template.config/template.json", Root + "Greeting.cs", Root + "MeshHostPlugin.csproj", Root + "Plugin.cs", Root + "README.md", Root + "plugin.json"],
            templates.Files.Order(StringComparer.Ordinal));

        using JsonDocument template = JsonDocument.Parse(NuGetPackage.ReadText(path, Root + ".template.config/template.json"));
        JsonElement config = template.RootElement;
        Assert.Equal("meshhost-plugin", config.GetProperty("shortName").GetString());
        Assert.Equal("MeshHostPlugin", config.GetProperty("sourceName").GetString());
        Assert.Equal(SdkVersionText, config.GetProperty("symbols").GetProperty("sdkVersion").GetProperty("defaultValue").GetString());
    }
}
