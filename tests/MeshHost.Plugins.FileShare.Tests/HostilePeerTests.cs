using MeshHost.Plugins.FileShare.Content;
using MeshHost.Plugins.FileShare.Downloading;
using MeshHost.Plugins.Testing;
using MeshHost.Plugins.FileShare.Protocol;
using MeshHost.Sdk;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.FileShare.Tests;

/// <summary>
/// Peers that lie: a seeder that corrupts blocks, one that serves metadata of another share, links
/// nobody provides or that are malformed, and requests out of every bound.
/// </summary>
public sealed class HostilePeerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_seeder_serving_corrupt_blocks_is_caught_block_by_block_dropped_and_the_file_still_arrives_intact()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(3);
        string source = FileShareMesh.WriteRandomFile(Path.Combine(_temp.Path, "src", "data.bin"), 6 * 1024 * 1024, seed: 11);
        TestPlugin<FileSharePlugin> honest = await mesh[0].LoadFileShareAsync();
        ShareLink link = await mesh.ShareAsync(honest, source);
        using Liar liar = await Liar.StartAsync(mesh, mesh[1], honest.Plugin.Shares()[0].Layout, source, corruptBlocks: true);

        TestPlugin<FileSharePlugin> leecher = await mesh[2].LoadFileShareAsync(new() { ["RequestsInFlightPerPeer"] = "2" });
        ShareDownload download = await mesh.DownloadAsync(leecher, link, Path.Combine(_temp.Path, "out"));

        Assert.True(download.State == DownloadState.Complete, download.Error);
        SameFile.Assert(source, Path.Combine(_temp.Path, "out", "data.bin"));
        Assert.True(liar.BlocksServed > 0, "the liar was never asked");
        Assert.True(download.RejectedBlocks > 0);
        Assert.Equal(1, download.DroppedPeers);

        // Dropped after three faulty answers (a response whose blocks fail counts once): at most that many were asked of it.
        Assert.True(liar.BlocksServed <= 3 * 2 * 16, $"the liar served {liar.BlocksServed} blocks after it should have been dropped");
    }

    [Fact]
    public async Task Metadata_that_does_not_hash_to_the_link_root_is_refused_and_the_download_fails_clearly()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(3);
        string real = FileShareMesh.WriteRandomFile(Path.Combine(_temp.Path, "src", "real.bin"), 100_000, seed: 12);
        string other = FileShareMesh.WriteRandomFile(Path.Combine(_temp.Path, "src2", "real.bin"), 100_000, seed: 13);
        TestPlugin<FileSharePlugin> sharer = await mesh[0].LoadFileShareAsync();
        ShareLink realLink = await mesh.ShareAsync(sharer, real);
        Assert.True(await sharer.Plugin.StopAsync(Convert.ToHexStringLower(realLink.Root)));
        (Sharing.LocalShare otherShare, _) = await mesh.WaitAsync(sharer.Plugin.ShareAsync(other, CancellationToken.None), TimeSpan.FromSeconds(30));

        // The liar announces the real root but answers with the other share's metadata.
        using Liar liar = await Liar.StartAsync(mesh, mesh[1], otherShare.Layout, other, corruptBlocks: false, announce: realLink.Root.ToArray());
        TestPlugin<FileSharePlugin> leecher = await mesh[2].LoadFileShareAsync();
        leecher.Plugin.ProviderSearchTimeout = TimeSpan.FromSeconds(10);
        ShareDownload download = await mesh.DownloadAsync(leecher, realLink, Path.Combine(_temp.Path, "out"));

        Assert.Equal(DownloadState.Failed, download.State);
        Assert.Contains("sent metadata that matches the link", download.Error, StringComparison.Ordinal);
        Assert.True(liar.MetadataServed > 0);
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "out")) && Directory.EnumerateFileSystemEntries(Path.Combine(_temp.Path, "out")).Any(), "something was written for unverified metadata");
    }

    [Fact]
    public async Task A_link_nobody_provides_fails_with_a_clear_error_and_a_malformed_link_is_refused_by_the_api()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        TestPlugin<FileSharePlugin> leecher = await mesh[1].LoadFileShareAsync();
        leecher.Plugin.ProviderSearchTimeout = TimeSpan.FromSeconds(5);
        ShareLink unknown = ShareLink.Create(new byte[32], "nothing.bin", 5);

        ShareDownload download = await mesh.DownloadAsync(leecher, unknown, Path.Combine(_temp.Path, "out"));
        Assert.Equal(DownloadState.Failed, download.State);
        Assert.Contains("No peer provides", download.Error, StringComparison.Ordinal);

        string body = $$"""{"link":"mesh://{{new string('a', 63)}}?name=x&size=1","directory":"{{_temp.Path}}"}""";
        ControlApiResponse response = await leecher.InvokeAsync("POST", "downloads", System.Text.Encoding.UTF8.GetBytes(body));
        Assert.Equal(400, response.StatusCode);
        Assert.Contains("bad-link", System.Text.Encoding.UTF8.GetString(response.Body.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_out_of_bounds_are_answered_bad_request_and_counted_never_served()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        string source = FileShareMesh.WriteRandomFile(Path.Combine(_temp.Path, "src", "data.bin"), 600_000, seed: 14);
        TestPlugin<FileSharePlugin> seeder = await mesh[0].LoadFileShareAsync();
        ShareLink link = await mesh.ShareAsync(seeder, source);
        byte[] root = link.Root.ToArray();
        using IRequestChannel<BlockRequest, BlockResponse> blocks = mesh[1].Mesh.OpenRequestChannel<BlockRequest, BlockResponse>(FileShareProtocol.BlockChannel);
        using IRequestChannel<MetadataRequest, MetadataResponse> metadata = mesh[1].Mesh.OpenRequestChannel<MetadataRequest, MetadataResponse>(FileShareProtocol.MetadataChannel);
        await mesh.AdvanceAsync(TestMesh.ChannelAnnouncementTime);

        BlockRequest[] bad =
        [
            new() { Root = root, File = 1, Piece = 0, FirstBlock = 0, Count = 1 },
            new() { Root = root, File = -1, Piece = 0, FirstBlock = 0, Count = 1 },
            new() { Root = root, File = 0, Piece = 3, FirstBlock = 0, Count = 1 },
            new() { Root = root, File = 0, Piece = 0, FirstBlock = -1, Count = 1 },
            new() { Root = root, File = 0, Piece = 0, FirstBlock = 0, Count = 0 },
            new() { Root = root, File = 0, Piece = 0, FirstBlock = 0, Count = 49 },
            new() { Root = root, File = 0, Piece = 2, FirstBlock = 0, Count = 16 },
        ];
        foreach (BlockRequest request in bad)
        {
            BlockResponse response = await mesh.WaitAsync(blocks.RequestAsync(seeder.Node.Id, request, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
            Assert.Equal((int)FileShareStatus.BadRequest, response.Status);
            Assert.Empty(response.Data);
        }

        BlockResponse unknown = await mesh.WaitAsync(blocks.RequestAsync(seeder.Node.Id, new BlockRequest { Root = new byte[5], Count = 1 }, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
        Assert.Equal((int)FileShareStatus.NotFound, unknown.Status);
        MetadataResponse beyond = await mesh.WaitAsync(metadata.RequestAsync(seeder.Node.Id, new MetadataRequest { Root = root, Offset = int.MaxValue }, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
        Assert.Equal((int)FileShareStatus.BadRequest, beyond.Status);
        Assert.Equal(bad.Length + 1, seeder.Plugin.Counters.BadRequests);

        // The last piece (600,000 - 2 x 256 KiB = 75,712 bytes: 4 full blocks and 11,776 bytes) is served exactly.
        BlockResponse last = await mesh.WaitAsync(blocks.RequestAsync(seeder.Node.Id, new BlockRequest { Root = root, File = 0, Piece = 2, FirstBlock = 0, Count = 5 }, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
        Assert.Equal((int)FileShareStatus.Ok, last.Status);
        Assert.Equal(600_000 - (2 * 256 * 1024), last.Data.Length);
    }

    [Fact]
    public async Task A_file_edited_after_it_was_shared_is_no_longer_served()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        string source = FileShareMesh.WriteRandomFile(Path.Combine(_temp.Path, "src", "data.bin"), 300_000, seed: 15);
        TestPlugin<FileSharePlugin> seeder = await mesh[0].LoadFileShareAsync();
        TestPlugin<FileSharePlugin> leecher = await mesh[1].LoadFileShareAsync();
        leecher.Plugin.ProviderSearchTimeout = TimeSpan.FromSeconds(5);
        ShareLink link = await mesh.ShareAsync(seeder, source);
        File.AppendAllText(source, "edited");
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(2));

        ShareDownload download = await mesh.DownloadAsync(leecher, link, Path.Combine(_temp.Path, "out"));
        Assert.Equal(DownloadState.Failed, download.State);
        Assert.True(seeder.Plugin.Shares()[0].IsStale);
    }

    /// <summary>A node that speaks the protocol without the plugin: it announces a root and answers with what the test chose.</summary>
    private sealed class Liar : IDisposable
    {
        private readonly List<IDisposable> _open = [];
        private int _blocksServed;
        private int _metadataServed;

        public int BlocksServed => Volatile.Read(ref _blocksServed);

        public int MetadataServed => Volatile.Read(ref _metadataServed);

        public static async Task<Liar> StartAsync(TestMesh mesh, TestNode node, ShareLayout layout, string path, bool corruptBlocks, byte[]? announce = null)
        {
            var liar = new Liar();
            IMesh m = node.Mesh;
            var metadata = m.OpenRequestChannel<MetadataRequest, MetadataResponse>(FileShareProtocol.MetadataChannel);
            var have = m.OpenRequestChannel<HaveRequest, HaveResponse>(FileShareProtocol.HaveChannel);
            var blocks = m.OpenRequestChannel<BlockRequest, BlockResponse>(FileShareProtocol.BlockChannel);
            liar._open.AddRange([metadata, have, blocks]);
            liar._open.Add(metadata.Handle((_, _, _) =>
            {
                Interlocked.Increment(ref liar._metadataServed);
                return ValueTask.FromResult(new MetadataResponse { Status = 0, TotalLength = layout.Encoded.Length, Data = layout.Encoded });
            }));
            liar._open.Add(have.Handle((_, _, _) => ValueTask.FromResult(new HaveResponse { Status = 0, Complete = true })));
            liar._open.Add(blocks.Handle((_, request, _) =>
            {
                MerkleTree tree = layout.Trees[request.File];
                byte[] piece = new byte[tree.PieceLength(request.Piece)];
                using (var file = File.OpenRead(path))
                {
                    file.Position = (long)request.Piece * tree.PieceSize;
                    file.ReadExactly(piece);
                }

                byte[] proofs = new byte[request.Count * tree.PieceHeight * 32];
                tree.CreateProofs(piece, request.Piece, request.FirstBlock, request.Count, proofs);
                int start = request.FirstBlock * MerkleHash.BlockSize;
                byte[] data = piece.AsSpan(start, Math.Min(request.Count * MerkleHash.BlockSize, piece.Length - start)).ToArray();
                if (corruptBlocks)
                {
                    data[data.Length / 2] ^= 0xFF;
                }

                Interlocked.Add(ref liar._blocksServed, request.Count);
                return ValueTask.FromResult(new BlockResponse { Status = 0, Data = data, Proofs = proofs });
            }));
            await mesh.WaitAsync(m.Content.ProvideAsync(announce ?? layout.Root), TimeSpan.FromSeconds(30));
            return liar;
        }

        public void Dispose()
        {
            foreach (IDisposable item in _open)
            {
                item.Dispose();
            }
        }
    }
}
