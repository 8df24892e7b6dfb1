using MeshHost.Plugins.FileShare.Content;
using MeshHost.Plugins.FileShare.Downloading;
using MeshHost.Plugins.Testing;
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
        SameFile.Assert(source, Path.Combine(_temp.Path, "out", "data.bin"));
        Assert.False(File.Exists(Path.Combine(_temp.Path, "out", "data.bin.meshpart")));
        Assert.Equal(new FileInfo(source).Length, download.VerifiedBytes);
        Assert.Equal(0, download.RejectedBlocks);
        Assert.Contains(leecher.Plugin.Shares(), s => s.Layout.RootHex == download.Id);
        Assert.True(seeder.Plugin.Counters.UploadedBytes >= new FileInfo(source).Length);

        // The seeder built every proof from the leaf hashes it saved when it shared the file, and drops
        // them when it stops sharing.
        Assert.Equal(0, seeder.Plugin.Counters.HashedPieces);
        string leaves = seeder.Plugin.Leaves!.PathOf(download.Layout.Trees[0].Root);
        Assert.True(File.Exists(leaves));
        Assert.True(await mesh.WaitAsync(seeder.Plugin.StopAsync(download.Id), TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(leaves));
    }

    [Fact]
    public async Task Four_seeders_each_serve_part_of_the_file_and_the_result_is_byte_identical()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(5);
        string source = FileShareMesh.WriteRandomFile(Path.Combine(_temp.Path, "src", "movie.bin"), 8 * 1024 * 1024, seed: 2);
        var seeders = new List<TestPlugin<FileSharePlugin>>();
        ShareLink? link = null;
        for (int i = 0; i < 4; i++)
        {
            TestPlugin<FileSharePlugin> seeder = await mesh[i].LoadFileShareAsync();
            seeders.Add(seeder);
            link = await mesh.ShareAsync(seeder, source);
        }

        // Two requests in flight per peer, so the first seeder to answer cannot take every piece of a small file.
        TestPlugin<FileSharePlugin> leecher = await mesh[4].LoadFileShareAsync(new() { ["RequestsInFlightPerPeer"] = "2" });
        IReadOnlyList<MeshHost.Sdk.PeerId> providers = await mesh.WaitAsync(mesh[4].Mesh.Content.FindProvidersAsync(link!.Root.ToArray()), TimeSpan.FromSeconds(30));
        Assert.Equal(4, providers.Count);
        ShareDownload download = await mesh.DownloadAsync(leecher, link!, Path.Combine(_temp.Path, "out"));

        Assert.True(download.State == DownloadState.Complete, download.Error);
        SameFile.Assert(source, Path.Combine(_temp.Path, "out", "movie.bin"));
        Assert.Equal(4, download.ContributingPeers);
        Assert.All(seeders, s => Assert.True(s.Plugin.Counters.UploadedBytes > 0, "a seeder uploaded nothing"));
    }

    [Fact]
    public async Task A_nested_folder_with_empty_and_one_byte_files_arrives_whole_and_symbolic_links_are_not_followed()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        TestPlugin<FileSharePlugin> seeder = await mesh[0].LoadFileShareAsync();
        TestPlugin<FileSharePlugin> leecher = await mesh[1].LoadFileShareAsync();
        string folder = Path.Combine(_temp.Path, "src", "album");
        FileShareMesh.WriteRandomFile(Path.Combine(folder, "a", "b", "c", "deep.bin"), 300_000, seed: 3);
        FileShareMesh.WriteRandomFile(Path.Combine(folder, "top.bin"), 16 * 1024, seed: 4);
        FileShareMesh.WriteRandomFile(Path.Combine(folder, "a", "one.bin"), 1, seed: 5);
        File.WriteAllBytes(Path.Combine(folder, "a", "empty.bin"), []);
        Directory.CreateDirectory(Path.Combine(folder, "empty-folder"));
        File.CreateSymbolicLink(Path.Combine(folder, "link-to-outside"), "/etc/hostname");
        Directory.CreateSymbolicLink(Path.Combine(folder, "loop"), folder);

        ShareLink link = await mesh.ShareAsync(seeder, folder);
        ShareDownload download = await mesh.DownloadAsync(leecher, link, Path.Combine(_temp.Path, "out"));

        Assert.True(download.State == DownloadState.Complete, download.Error);
        Assert.Equal(["album/a/b/c/deep.bin", "album/a/empty.bin", "album/a/one.bin", "album/top.bin"], download.Layout.Metadata.Files.Select(f => f.Path));
        foreach (string relative in new[] { "a/b/c/deep.bin", "top.bin", "a/one.bin", "a/empty.bin" })
        {
            SameFile.Assert(Path.Combine(folder, relative), Path.Combine(_temp.Path, "out", "album", relative));
        }

        Assert.False(Path.Exists(Path.Combine(_temp.Path, "out", "album", "link-to-outside")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_temp.Path, "out"), "*.meshpart*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_single_empty_file_and_a_single_byte_file_can_be_shared_and_fetched()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        TestPlugin<FileSharePlugin> seeder = await mesh[0].LoadFileShareAsync();
        TestPlugin<FileSharePlugin> leecher = await mesh[1].LoadFileShareAsync();
        string empty = Path.Combine(_temp.Path, "src", "empty.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(empty)!);
        File.WriteAllBytes(empty, []);
        string one = FileShareMesh.WriteRandomFile(Path.Combine(_temp.Path, "src", "one.txt"), 1, seed: 6);

        foreach (string source in new[] { empty, one })
        {
            ShareLink link = await mesh.ShareAsync(seeder, source);
            Assert.Equal(new FileInfo(source).Length, link.Size);
            ShareDownload download = await mesh.DownloadAsync(leecher, link, Path.Combine(_temp.Path, "out"));
            Assert.True(download.State == DownloadState.Complete, download.Error);
            SameFile.Assert(source, Path.Combine(_temp.Path, "out", Path.GetFileName(source)));
        }
    }

    [Fact]
    public async Task A_seeder_leaving_mid_download_does_not_stop_it_the_other_serves_the_rest()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(3);
        string source = FileShareMesh.WriteRandomFile(Path.Combine(_temp.Path, "src", "big.bin"), 6 * 1024 * 1024, seed: 7);
        TestPlugin<FileSharePlugin> leaving = await mesh[0].LoadFileShareAsync();
        TestPlugin<FileSharePlugin> staying = await mesh[1].LoadFileShareAsync();
        ShareLink link = await mesh.ShareAsync(leaving, source);
        await mesh.ShareAsync(staying, source);

        // Capped at 2 MB/s so the download is still running when the first seeder goes.
        TestPlugin<FileSharePlugin> leecher = await mesh[2].LoadFileShareAsync(new() { ["MaxDownloadBytesPerSecond"] = "2000000" });
        ShareDownload download = leecher.Plugin.StartDownload(link, Path.Combine(_temp.Path, "out"));
        await mesh.WaitUntilAsync(() => download.VerifiedBytes > 1024 * 1024 && download.ContributingPeers == 2, TimeSpan.FromMinutes(1), "both seeders serving");
        mesh.Isolate(mesh[0]);

        await mesh.WaitUntilAsync(() => download.State != DownloadState.Downloading, TimeSpan.FromMinutes(2), "the download to end");
        Assert.True(download.State == DownloadState.Complete, download.Error);
        SameFile.Assert(source, Path.Combine(_temp.Path, "out", "big.bin"));
    }

    [Fact]
    public async Task A_stopped_download_resumes_without_fetching_again_what_it_verified()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        TestPlugin<FileSharePlugin> seeder = await mesh[0].LoadFileShareAsync();
        TestPlugin<FileSharePlugin> leecher = await mesh[1].LoadFileShareAsync(new() { ["MaxDownloadBytesPerSecond"] = "2000000" });
        string source = FileShareMesh.WriteRandomFile(Path.Combine(_temp.Path, "src", "big.bin"), 8 * 1024 * 1024, seed: 8);
        ShareLink link = await mesh.ShareAsync(seeder, source);
        string output = Path.Combine(_temp.Path, "out");

        ShareDownload first = leecher.Plugin.StartDownload(link, output);
        await mesh.WaitUntilAsync(() => first.VerifiedBytes > 3 * 1024 * 1024, TimeSpan.FromMinutes(1), "a third fetched");
        Assert.True(await mesh.WaitAsync(leecher.Plugin.StopAsync(first.Id), TimeSpan.FromSeconds(30)));
        Assert.Equal(DownloadState.Stopped, first.State);
        Assert.False(File.Exists(Path.Combine(output, "big.bin")), "a partial download stands under the final name");
        Assert.True(File.Exists(Path.Combine(output, "big.bin.meshpart")));
        long verifiedBefore = first.VerifiedBytes;

        ShareDownload second = leecher.Plugin.StartDownload(link, output);
        await mesh.WaitUntilAsync(() => second.State is DownloadState.Complete or DownloadState.Failed, TimeSpan.FromMinutes(2), "the resumed download to end");

        Assert.True(second.State == DownloadState.Complete, second.Error);
        SameFile.Assert(source, Path.Combine(output, "big.bin"));

        // Only blocks of pieces that were not whole are fetched again (at most the pieces in flight).
        Assert.True(second.ResumedBytes >= verifiedBefore - (16 * 256 * 1024), $"resumed {second.ResumedBytes} of {verifiedBefore}");
        Assert.True(second.FetchedBytes <= source.Length + new FileInfo(source).Length - second.ResumedBytes + (16 * 256 * 1024), $"fetched {second.FetchedBytes} again");
    }
}
