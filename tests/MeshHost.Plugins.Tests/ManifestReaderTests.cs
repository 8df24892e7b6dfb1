using MeshHost.Plugins.Loading;

namespace MeshHost.Plugins.Tests;

public sealed class ManifestReaderTests
{
    [Theory]
    [InlineData("[]", "plugin.json is not valid JSON")]
    [InlineData("null", "holds null")]
    [InlineData("{}", "'id' is missing")]
    [InlineData("{\"id\":\"Bad Id\"}", "'id' \"Bad Id\" is not 1 to 64")]
    [InlineData("{\"id\":\"a\"}", "'version' is missing")]
    [InlineData("{\"id\":\"a\",\"version\":\"one\"}", "'version' \"one\" is not a version")]
    [InlineData("{\"id\":\"a\",\"version\":\"1.0\",\"assembly\":\"../x.dll\"}", "must be the file name of a .dll")]
    [InlineData("{\"id\":\"a\",\"version\":\"1.0\",\"assembly\":\"x.dll\"}", "'minimumSdkVersion' is missing")]
    [InlineData("{\"id\":\"a\",\"version\":\"1.0\",\"assembly\":\"x.dll\",\"minimumSdkVersion\":\"1.0\",\"dependencies\":[{\"id\":\"b\"}]}", "'minimumVersion of dependency 'b'' is missing")]
    [InlineData("{\"id\":\"a\",\"version\":\"1.0\",\"assembly\":\"x.dll\",\"minimumSdkVersion\":\"1.0\",\"dependencies\":[null]}", "a dependency's 'id'")]
    [InlineData("{\"id\":1}", "plugin.json is not valid JSON")]
    public void Bad_manifests_get_a_clear_reason(string json, string expected)
    {
        using var folders = new Support.PluginFolders();
        string folder = folders.WriteManifestOnly("p", json);

        ManifestResult result = ManifestReader.Read(folder);

        Assert.Null(result.Manifest);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_full_manifest_reads_with_comments_and_trailing_commas()
    {
        using var folders = new Support.PluginFolders();
        string folder = folders.WriteManifestOnly("p", """
            {
              // the sample from the SDK's documentation
              "id": "example.presence",
              "version": "1.2.3",
              "assembly": "Example.Presence.dll",
              "minimumSdkVersion": "1.0.0",
              "description": "Shows who is online.",
              "dependencies": [ { "id": "example.other", "minimumVersion": "1.0.0" }, ],
            }
            """);

        ManifestResult result = ManifestReader.Read(folder);

        Assert.Null(result.Error);
        Assert.Equal("example.presence", result.Manifest!.Id);
        Assert.Equal(new Version(1, 2, 3), result.Manifest.Version);
        Assert.Equal("example.other", Assert.Single(result.Manifest.Dependencies).Id);
    }
}
