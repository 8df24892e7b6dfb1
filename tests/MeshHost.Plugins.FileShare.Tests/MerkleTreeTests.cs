using System.Security.Cryptography;
using MeshHost.Plugins.FileShare.Content;

namespace MeshHost.Plugins.FileShare.Tests;

public sealed class MerkleTreeTests
{
    private const int Block = MerkleHash.BlockSize;

    [Fact]
    public async Task A_zero_byte_file_has_no_blocks_no_pieces_and_the_zero_root()
    {
        MerkleTree tree = await HashAsync([], MerkleTree.DefaultPieceSize);

        Assert.Equal(0, tree.BlockCount);
        Assert.Equal(0, tree.PieceCount);
        Assert.Equal(new byte[32], tree.Root.ToArray());
        Assert.True(tree.PieceLayer.IsEmpty);
        Assert.Empty(tree.PieceLayerForMetadata);
        Assert.Equal(tree.Root.ToArray(), MerkleTree.FromPieceLayer(0, MerkleTree.DefaultPieceSize, tree.Root, []).Root.ToArray());
    }

    [Fact]
    public async Task A_one_byte_file_root_is_the_hash_of_that_byte_unpadded_and_its_proof_is_empty()
    {
        MerkleTree tree = await HashAsync([0x61], MerkleTree.DefaultPieceSize);

        Assert.Equal(SHA256.HashData([0x61]), tree.Root.ToArray());
        Assert.Equal(1, tree.PieceCount);
        Assert.Equal(0, tree.PieceHeight);
        Assert.Equal(tree.Root.ToArray(), tree.PieceHash(0).ToArray());
        Assert.True(tree.VerifyBlock(0, [0x61], []));
        Assert.False(tree.VerifyBlock(0, [0x62], []));
        Assert.False(tree.VerifyBlock(0, [0x61, 0x00], []));
    }

    [Fact]
    public async Task Two_blocks_hash_to_the_pair_of_their_leaves()
    {
        byte[] data = Generate(Block + 1, seed: 1);
        MerkleTree tree = await HashAsync(data, MerkleTree.DefaultPieceSize);

        byte[] expected = SHA256.HashData([.. SHA256.HashData(data.AsSpan(0, Block)), .. SHA256.HashData(data.AsSpan(Block))]);
        Assert.Equal(expected, tree.Root.ToArray());
    }

    [Theory]
    [InlineData(Block, 4 * Block)]
    [InlineData(3 * Block, 4 * Block)]
    [InlineData(4 * Block, 4 * Block)]
    [InlineData(4 * Block + 1, 4 * Block)]
    [InlineData(37 * Block + 100, 4 * Block)]
    [InlineData(37 * Block + 100, Block)]
    [InlineData(5 * Block - 7, 16 * Block)]
    public async Task The_streamed_tree_equals_a_naive_full_tree_and_every_block_verifies(int size, int pieceSize)
    {
        byte[] data = Generate(size, seed: size);
        MerkleTree tree = await HashAsync(data, pieceSize);

        Assert.Equal(NaiveRoot(data), tree.Root.ToArray());
        MerkleTree rebuilt = MerkleTree.FromPieceLayer(size, pieceSize, tree.Root, tree.PieceLayerForMetadata);
        byte[] proof = new byte[tree.PieceHeight * 32];
        for (int block = 0; block < tree.BlockCount; block++)
        {
            int piece = block / tree.BlocksPerPiece;
            byte[] pieceData = data.AsSpan(piece * pieceSize, tree.PieceLength(piece)).ToArray();
            Assert.Equal(proof.Length, tree.CreateProof(pieceData, piece, block % tree.BlocksPerPiece, proof));
            byte[] blockData = data.AsSpan(block * Block, tree.BlockLength(block)).ToArray();
            Assert.True(rebuilt.VerifyBlock(block, blockData, proof), $"block {block}");
            Assert.True(rebuilt.VerifyPiece(piece, pieceData));
        }
    }

    [Fact]
    public async Task A_corrupt_block_a_corrupt_proof_or_the_wrong_index_is_rejected()
    {
        const int pieceSize = 8 * Block;
        byte[] data = Generate(20 * Block, seed: 7);
        MerkleTree tree = await HashAsync(data, pieceSize);
        byte[] proof = new byte[tree.PieceHeight * 32];
        tree.CreateProof(data.AsSpan(pieceSize, pieceSize), 1, 2, proof);
        byte[] block = data.AsSpan(10 * Block, Block).ToArray();
        Assert.True(tree.VerifyBlock(10, block, proof));

        block[5] ^= 1;
        Assert.False(tree.VerifyBlock(10, block, proof));
        block[5] ^= 1;
        proof[40] ^= 0x80;
        Assert.False(tree.VerifyBlock(10, block, proof));
        proof[40] ^= 0x80;
        Assert.False(tree.VerifyBlock(11, block, proof));
        Assert.False(tree.VerifyBlock(10, block, proof.AsSpan(32)));
        Assert.False(tree.VerifyBlock(-1, block, proof));
        Assert.False(tree.VerifyBlock(tree.BlockCount, block, proof));
    }

    [Fact]
    public async Task A_piece_layer_that_does_not_hash_to_the_root_or_has_the_wrong_length_is_refused()
    {
        const int pieceSize = 4 * Block;
        byte[] data = Generate(9 * Block, seed: 3);
        MerkleTree tree = await HashAsync(data, pieceSize);
        byte[] layer = tree.PieceLayerForMetadata;
        Assert.Equal(3 * 32, layer.Length);

        layer[0] ^= 1;
        Assert.Contains("does not hash", Assert.Throws<InvalidDataException>(() => MerkleTree.FromPieceLayer(data.Length, pieceSize, tree.Root, layer)).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => MerkleTree.FromPieceLayer(data.Length, pieceSize, tree.Root, layer.AsSpan(32)));
        Assert.Throws<InvalidDataException>(() => MerkleTree.FromPieceLayer(data.Length, 3 * Block, tree.Root, tree.PieceLayerForMetadata));
        Assert.Throws<InvalidDataException>(() => MerkleTree.FromPieceLayer(Block, pieceSize, tree.Root, tree.PieceLayerForMetadata));
        Assert.Throws<InvalidDataException>(() => MerkleTree.FromPieceLayer(0, pieceSize, tree.Root, []));
        Assert.Throws<InvalidDataException>(() => MerkleTree.FromPieceLayer(-1, pieceSize, tree.Root, []));
    }

    [Fact]
    public async Task A_file_that_is_shorter_or_longer_than_declared_is_an_io_error()
    {
        byte[] data = Generate(3 * Block, seed: 4);
        using var shorter = new MemoryStream(data);
        await Assert.ThrowsAsync<IOException>(async () => await MerkleTree.HashAsync(shorter, data.Length + 1, MerkleTree.DefaultPieceSize, TestContext.Timeout));
        using var longer = new MemoryStream(data);
        await Assert.ThrowsAsync<IOException>(async () => await MerkleTree.HashAsync(longer, data.Length - 1, MerkleTree.DefaultPieceSize, TestContext.Timeout));
    }

    [Fact]
    public async Task A_large_sparse_file_hashes_from_disk_to_the_root_of_its_known_content()
    {
        // 48 MiB of zeros plus a 3-byte tail, written sparse: hashing reads it through the bounded buffers.
        const long size = (48L << 20) + 3;
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "sparse.bin");
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            file.SetLength(size);
            file.Seek(-3, SeekOrigin.End);
            file.Write([1, 2, 3]);
        }

        MerkleTree tree = await MerkleTree.HashFileAsync(path, MerkleTree.DefaultPieceSize, TestContext.Timeout);

        // The expected root without reading 48 MiB twice: all full pieces of zeros share one hash.
        Span<byte> zeroLeaf = SHA256.HashData(new byte[Block]);
        Assert.Equal(193, tree.PieceCount);
        byte[] zeroPiece = new byte[16 * 32];
        for (int i = 0; i < 16; i++)
        {
            zeroLeaf.CopyTo(zeroPiece.AsSpan(i * 32));
        }

        byte[] zeroPieceHash = new byte[32];
        MerkleHash.Reduce(zeroPiece, 16, 0, 4, zeroPieceHash);
        byte[] layer = new byte[193 * 32];
        for (int i = 0; i < 192; i++)
        {
            zeroPieceHash.CopyTo(layer.AsSpan(i * 32));
        }

        // The last piece holds one short block; its subtree is still 16 leaves high, padded with zero leaves.
        byte[] tail = SHA256.HashData([1, 2, 3]);
        MerkleHash.Reduce(tail, 1, 0, 4, layer.AsSpan(192 * 32, 32));
        Assert.Equal(layer, tree.PieceLayer.ToArray());
        Assert.Equal(tree.Root.ToArray(), MerkleTree.FromPieceLayer(size, MerkleTree.DefaultPieceSize, tree.Root, layer).Root.ToArray());
    }

    [Fact]
    public void The_piece_size_grows_only_when_a_file_would_exceed_the_piece_count_bound()
    {
        Assert.Equal(MerkleTree.DefaultPieceSize, MerkleTree.ChoosePieceSize(0));
        Assert.Equal(MerkleTree.DefaultPieceSize, MerkleTree.ChoosePieceSize(16L << 30));
        Assert.Equal(2 * MerkleTree.DefaultPieceSize, MerkleTree.ChoosePieceSize((16L << 30) + 1));
        Assert.Equal(MerkleTree.MaxPieceSize, MerkleTree.ChoosePieceSize(MerkleTree.MaxFileSize));
        Assert.Throws<InvalidDataException>(() => MerkleTree.ChoosePieceSize(MerkleTree.MaxFileSize + 1));
    }

    internal static byte[] Generate(int size, int seed)
    {
        byte[] data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }

    internal static async Task<MerkleTree> HashAsync(byte[] data, int pieceSize)
    {
        using var stream = new MemoryStream(data);
        return await MerkleTree.HashAsync(stream, data.Length, pieceSize, TestContext.Timeout);
    }

    // The whole tree in memory, straight from BEP 52's definition: an independent check of the streamed one.
    private static byte[] NaiveRoot(byte[] data)
    {
        int blocks = (data.Length + Block - 1) / Block;
        int leaves = 1;
        while (leaves < blocks)
        {
            leaves *= 2;
        }

        var layer = new List<byte[]>();
        for (int i = 0; i < leaves; i++)
        {
            layer.Add(i < blocks ? SHA256.HashData(data.AsSpan(i * Block, Math.Min(Block, data.Length - i * Block))) : new byte[32]);
        }

        while (layer.Count > 1)
        {
            var parents = new List<byte[]>();
            for (int i = 0; i < layer.Count; i += 2)
            {
                parents.Add(SHA256.HashData([.. layer[i], .. layer[i + 1]]));
            }

            layer = parents;
        }

        return layer[0];
    }
}
