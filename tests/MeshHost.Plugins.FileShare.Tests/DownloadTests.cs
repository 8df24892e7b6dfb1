using MeshHost.Plugins.FileShare.Content;
using MeshHost.Plugins.FileShare.Downloading;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.FileShare.Tests;

/// <summary>Shares and downloads between plugins on the kit's in-memory mesh, in virtual time.</summary>
public sealed class DownloadTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_file_shared_on_one_node_is_fetched_verified_and_byte_identical_on_another_and_then_seeded()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        TestPlugin<FileSharePlugin> seeder = await mesh[0].LoadFileShareAsync();
        TestPlugin<FileSharePlugin> leecher = await mesh[1].LoadFileShareAsync();
        string source = FileShareMesh.WriteRandomFile(Path.Combine(_temp.Path, "src", "data.bin"), (3 * 1024 * 1024) + 12_345, seed: 1);

        ShareLink link = await mesh.ShareAsync(seeder, source);
        ShareDownload download = await mesh.DownloadAsync(leecher, link, Path.Combine(_temp.Path, "out"));

        Assert.True(download.State == DownloadState.Complete, download.Error);
        FileShareMesh.AssertSameFile(source, Path.Combine(_temp.Path, "out", "data.bin"));
        Assert.False(File.Exists(Path.Combine(_temp.Path, "out", "data.bin.meshpart")));
        Assert.Equal(new FileInfo(source).Length, download.VerifiedBytes);
        Assert.Equal(0, download.RejectedBlocks);
        Assert.Contains(leecher.Plugin.Shares(), s => s.Layout.RootHex == download.Id);
    }
}
