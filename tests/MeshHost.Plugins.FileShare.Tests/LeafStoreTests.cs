using System.Security.Cryptography;
using MeshHost.Plugins.FileShare.Content;
using MeshHost.Plugins.FileShare.Protocol;
using MeshHost.Plugins.FileShare.Sharing;
using MeshHost.Sdk;

namespace MeshHost.Plugins.FileShare.Tests;

/// <summary>Leaf hashes saved at share time, and the seeder's proofs built from them.</summary>
public sealed class LeafStoreTests : IDisposable
{
    private const int Block = MerkleHash.BlockSize;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Hashing_writes_every_blocks_leaf_hash_in_order()
    {
        byte[] data = MerkleTreeTests.Generate((9 * Block) + 77, seed: 21);
        using var leaves = new MemoryStream();
        using var source = new MemoryStream(data);
        MerkleTree tree = await MerkleTree.HashAsync(source, data.Length, 4 * Block, TestContext.Timeout, leaves);

        Assert.Equal(10, tree.BlockCount);
        Assert.Equal(tree.BlockCount * MerkleHash.HashSize, leaves.Length);
        for (int block = 0; block < tree.BlockCount; block++)
        {
            byte[] expected = SHA256.HashData(data.AsSpan(block * Block, tree.BlockLength(block)));
            Assert.Equal(expected, leaves.ToArray().AsSpan(block * MerkleHash.HashSize, MerkleHash.HashSize).ToArray());
        }
    }

    [Theory]
    [InlineData((9 * Block) + 77, 4 * Block)] // pieces of 4, 4 and 2 blocks
    [InlineData((16 * Block) - 1, 8 * Block)] // two whole pieces, the last block short
    [InlineData(3 * Block, 16 * Block)] // one piece of three blocks: its hash is the root
    public async Task Proofs_from_saved_leaves_equal_proofs_from_the_data_and_damaged_leaves_are_refused(int size, int pieceSize)
    {
        byte[] data = MerkleTreeTests.Generate(size, seed: size);
        using var leafStream = new MemoryStream();
        using var source = new MemoryStream(data);
        MerkleTree tree = await MerkleTree.HashAsync(source, data.Length, pieceSize, TestContext.Timeout, leafStream);
        byte[] leaves = leafStream.ToArray();
        int proofLength = tree.PieceHeight * MerkleHash.HashSize;

        for (int piece = 0; piece < tree.PieceCount; piece++)
        {
            int blocks = tree.BlocksInPiece(piece);
            ReadOnlySpan<byte> pieceData = data.AsSpan(piece * pieceSize, tree.PieceLength(piece));
            byte[] pieceLeaves = leaves.AsSpan(piece * tree.BlocksPerPiece * MerkleHash.HashSize, blocks * MerkleHash.HashSize).ToArray();
            for (int first = 0; first < blocks; first++)
            {
                for (int count = 1; first + count <= blocks; count++)
                {
                    byte[] fromData = new byte[count * proofLength];
                    byte[] fromLeaves = new byte[count * proofLength];
                    Assert.True(tree.CreateProofs(pieceData, piece, first, count, fromData));
                    Assert.True(tree.CreateProofsFromLeaves(pieceLeaves.ToArray(), piece, first, count, fromLeaves)); // overwrites what it is given
                    Assert.Equal(fromData, fromLeaves);
                }
            }

            pieceLeaves[^1] ^= 1;
            Assert.False(tree.CreateProofsFromLeaves(pieceLeaves, piece, 0, blocks, new byte[blocks * proofLength]));
        }
    }

    [Fact]
    public async Task A_seeder_builds_proofs_from_the_leaf_file_and_hashes_pieces_again_once_the_file_is_damaged()
    {
        string file = FileShareMesh.WriteRandomFile(Path.Combine(_temp.Path, "src", "big.bin"), (2 << 20) + 1000, seed: 41);
        var store = new LeafStore(Path.Combine(_temp.Path, "leaves"));
        using LocalShare share = await ShareBuilder.BuildAsync(file, TestContext.Timeout, store);
        MerkleTree tree = share.Layout.Trees[0];
        string leafPath = store.PathOf(tree.Root);
        Assert.Equal(tree.BlockCount * (long)MerkleHash.HashSize, new FileInfo(leafPath).Length);
        Assert.Equal([leafPath], Directory.GetFiles(store.Directory));

        var counters = new FileShareCounters();
        var server = new ShareServer(_ => share, new FileShareOptions(), new RateLimiter(TimeProvider.System, 0), counters);
        byte[] original = await File.ReadAllBytesAsync(file, TestContext.Timeout);
        await AssertServesVerifiedPieceAsync(server, share, original, piece: 1);
        await AssertServesVerifiedPieceAsync(server, share, original, piece: 8);
        Assert.Equal(0, counters.HashedPieces);

        // One leaf of piece 2 damaged: that response is built by hashing, the leaf file is dropped, and
        // every later response is hashed too.
        using (var leaves = new FileStream(leafPath, FileMode.Open, FileAccess.ReadWrite, System.IO.FileShare.ReadWrite | System.IO.FileShare.Delete))
        {
            leaves.Position = (2 * tree.BlocksPerPiece * MerkleHash.HashSize) + 7;
            int value = leaves.ReadByte();
            leaves.Position--;
            leaves.WriteByte((byte)(value ^ 0x40));
        }

        await AssertServesVerifiedPieceAsync(server, share, original, piece: 2);
        Assert.Equal(1, counters.DamagedLeafFiles);
        Assert.Equal(1, counters.HashedPieces);
        Assert.False(File.Exists(leafPath));
        await AssertServesVerifiedPieceAsync(server, share, original, piece: 3);
        Assert.Equal(2, counters.HashedPieces);
        Assert.Equal(0, counters.StaleReads);
    }

    [Fact]
    public async Task A_leaf_file_of_the_wrong_length_is_not_used_and_small_files_get_none()
    {
        string folder = Path.Combine(_temp.Path, "src", "folder");
        string big = FileShareMesh.WriteRandomFile(Path.Combine(folder, "big.bin"), 3 << 20, seed: 42);
        FileShareMesh.WriteRandomFile(Path.Combine(folder, "small.bin"), (1 << 20) - 1, seed: 43);
        var store = new LeafStore(Path.Combine(_temp.Path, "leaves"));
        using LocalShare share = await ShareBuilder.BuildAsync(folder, TestContext.Timeout, store);
        Assert.Single(Directory.GetFiles(store.Directory));

        int bigIndex = Array.IndexOf(share.FilePaths, big);
        string leafPath = store.PathOf(share.Layout.Trees[bigIndex].Root);
        using (var leaves = new FileStream(leafPath, FileMode.Open, FileAccess.Write))
        {
            leaves.SetLength(leaves.Length - 1);
        }

        var counters = new FileShareCounters();
        var server = new ShareServer(_ => share, new FileShareOptions(), new RateLimiter(TimeProvider.System, 0), counters);
        byte[] original = await File.ReadAllBytesAsync(big, TestContext.Timeout);
        await AssertServesVerifiedPieceAsync(server, share, original, piece: 0, file: bigIndex);
        Assert.Equal(1, counters.HashedPieces);
        Assert.Equal(0, counters.DamagedLeafFiles);
    }

    [Fact]
    public void Pruning_keeps_the_leaf_files_of_the_roots_given_and_temporary_files_unless_asked()
    {
        var store = new LeafStore(Path.Combine(_temp.Path, "leaves"));
        byte[] kept = [.. Enumerable.Repeat((byte)1, 32)];
        byte[] dropped = [.. Enumerable.Repeat((byte)2, 32)];
        string temporary = store.NewTemporaryPath();
        File.WriteAllBytes(temporary, [1]);
        File.WriteAllBytes(store.PathOf(kept), [1]);
        File.WriteAllBytes(store.PathOf(dropped), [2]);
        File.WriteAllBytes(Path.Combine(store.Directory, "notes.txt"), [3]);

        store.Prune(new HashSet<string> { Convert.ToHexStringLower(kept) }, temporaryToo: false);
        Assert.True(File.Exists(store.PathOf(kept)));
        Assert.False(File.Exists(store.PathOf(dropped)));
        Assert.True(File.Exists(temporary));

        store.Prune(new HashSet<string>(), temporaryToo: true);
        Assert.Equal([Path.Combine(store.Directory, "notes.txt")], Directory.GetFiles(store.Directory));
    }

    private static async Task AssertServesVerifiedPieceAsync(ShareServer server, LocalShare share, byte[] original, int piece, int file = 0)
    {
        MerkleTree tree = share.Layout.Trees[file];
        int count = tree.BlocksInPiece(piece);
        var request = new BlockRequest { Root = share.Layout.Root.ToArray(), File = file, Piece = piece, FirstBlock = 0, Count = count };
        BlockResponse response = await server.OnBlocksAsync(new PeerId(new byte[PeerId.Size]), request, TestContext.Timeout);
        Assert.Equal((int)FileShareStatus.Ok, response.Status);
        using BlockData data = response.Data!;
        Assert.Equal(original.AsSpan(piece * tree.PieceSize, tree.PieceLength(piece)).ToArray(), data.Span.ToArray());
        bool[] valid = new bool[count];
        tree.VerifyBlocks(piece * tree.BlocksPerPiece, count, data.Span, response.Proofs, valid);
        Assert.All(valid, Assert.True);
    }
}
