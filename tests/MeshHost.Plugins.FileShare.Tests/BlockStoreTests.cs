using MeshHost.Plugins.FileShare.Content;
using MeshHost.Plugins.FileShare.Storage;

namespace MeshHost.Plugins.FileShare.Tests;

public sealed class BlockStoreTests
{
    private const int PieceSize = 4 * MerkleHash.BlockSize;
    private const int Size = 10 * MerkleHash.BlockSize + 123; // 11 blocks, 3 pieces (the last short)

    private readonly byte[] _data = MerkleTreeTests.Generate(Size, seed: 11);

    [Fact]
    public async Task Blocks_in_any_order_complete_to_the_target_and_no_partial_file_ever_has_its_name()
    {
        using var directory = new TempDirectory();
        string target = Path.Combine(directory.Path, "file.bin");
        MerkleTree tree = await MerkleTreeTests.HashAsync(_data, PieceSize);

        using (BlockStore store = BlockStore.Open(target, tree))
        {
            int[] order = Enumerable.Range(0, tree.BlockCount).ToArray();
            new Random(5).Shuffle(order);
            foreach (int block in order)
            {
                Assert.False(File.Exists(target));
                Assert.Equal(BlockWriteResult.Written, Write(store, block));
            }

            Assert.Equal(BlockWriteResult.AlreadyHave, Write(store, 0));
            Assert.True(store.IsComplete);
            store.Complete();
        }

        Assert.Equal(_data, await File.ReadAllBytesAsync(target, TestContext.Timeout));
        Assert.Equal(["file.bin"], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_corrupt_block_or_proof_is_rejected_and_never_written()
    {
        using var directory = new TempDirectory();
        string target = Path.Combine(directory.Path, "file.bin");
        MerkleTree tree = await MerkleTreeTests.HashAsync(_data, PieceSize);
        using BlockStore store = BlockStore.Open(target, tree);

        byte[] block = Block(tree, 5);
        byte[] proof = Proof(tree, 5);
        block[100] ^= 0xFF;
        Assert.Equal(BlockWriteResult.Rejected, store.WriteBlock(5, block, proof));
        block[100] ^= 0xFF;
        proof[0] ^= 1;
        Assert.Equal(BlockWriteResult.Rejected, store.WriteBlock(5, block, proof));
        Assert.Equal(BlockWriteResult.Rejected, store.WriteBlock(6, block, Proof(tree, 5)));
        Assert.Equal(BlockWriteResult.Rejected, store.WriteBlock(tree.BlockCount, block, Proof(tree, 5)));

        Assert.False(store.HasBlock(5));
        Assert.Equal(0, store.VerifiedBlocks);
        Assert.Throws<InvalidOperationException>(store.Complete);
        store.Flush();
        byte[] onDisk = await File.ReadAllBytesAsync(target + BlockStore.PartExtension, TestContext.Timeout);
        Assert.All(onDisk, b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task After_a_crash_it_resumes_with_the_flushed_whole_pieces_and_refetches_the_rest()
    {
        using var directory = new TempDirectory();
        string target = Path.Combine(directory.Path, "file.bin");
        MerkleTree tree = await MerkleTreeTests.HashAsync(_data, PieceSize);

        using (BlockStore store = BlockStore.Open(target, tree))
        {
            // Piece 0 whole and flushed; two blocks of piece 1 flushed; piece 2 written but never flushed.
            for (int block = 0; block < 6; block++)
            {
                Write(store, block);
            }

            store.Flush();
            for (int block = 8; block < 11; block++)
            {
                Write(store, block);
            }
        }

        using (BlockStore resumed = BlockStore.Open(target, tree))
        {
            Assert.Equal(4, resumed.VerifiedBlocks);
            Assert.True(resumed.HasBlock(3));
            Assert.False(resumed.HasBlock(4));
            for (int block = 4; block < tree.BlockCount; block++)
            {
                Assert.Equal(BlockWriteResult.Written, Write(resumed, block));
            }

            resumed.Complete();
        }

        Assert.Equal(_data, await File.ReadAllBytesAsync(target, TestContext.Timeout));
    }

    [Fact]
    public async Task A_claimed_piece_damaged_on_disk_is_dropped_by_the_recheck()
    {
        using var directory = new TempDirectory();
        string target = Path.Combine(directory.Path, "file.bin");
        MerkleTree tree = await MerkleTreeTests.HashAsync(_data, PieceSize);
        WriteAllAndCrash(target, tree);

        using (var part = new FileStream(target + BlockStore.PartExtension, FileMode.Open, FileAccess.Write))
        {
            part.Position = PieceSize + 10;
            part.WriteByte((byte)(_data[PieceSize + 10] ^ 1));
        }

        using BlockStore resumed = BlockStore.Open(target, tree);
        Assert.Equal(tree.BlockCount - 4, resumed.VerifiedBlocks);
        Assert.False(resumed.HasBlock(4));
        Assert.True(resumed.HasBlock(8));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("truncated")]
    [InlineData("bit-flipped")]
    public async Task Without_a_trustworthy_sidecar_every_piece_is_rechecked_from_disk(string damage)
    {
        using var directory = new TempDirectory();
        string target = Path.Combine(directory.Path, "file.bin");
        MerkleTree tree = await MerkleTreeTests.HashAsync(_data, PieceSize);
        WriteAllAndCrash(target, tree);
        string sidecar = target + BlockStore.PartExtension + BlockStore.SidecarExtension;
        byte[] bytes = await File.ReadAllBytesAsync(sidecar, TestContext.Timeout);
        switch (damage)
        {
            case "missing":
                File.Delete(sidecar);
                break;
            case "truncated":
                await File.WriteAllBytesAsync(sidecar, bytes[..^1], TestContext.Timeout);
                break;
            default:
                bytes[30] ^= 1;
                await File.WriteAllBytesAsync(sidecar, bytes, TestContext.Timeout);
                break;
        }

        using (BlockStore resumed = BlockStore.Open(target, tree))
        {
            Assert.True(resumed.IsComplete);
            resumed.Complete();
        }

        Assert.Equal(_data, await File.ReadAllBytesAsync(target, TestContext.Timeout));
    }

    [Fact]
    public async Task A_zero_byte_file_is_complete_at_once()
    {
        using var directory = new TempDirectory();
        string target = Path.Combine(directory.Path, "empty");
        MerkleTree tree = await MerkleTreeTests.HashAsync([], PieceSize);

        using (BlockStore store = BlockStore.Open(target, tree))
        {
            Assert.True(store.IsComplete);
            store.Complete();
        }

        Assert.Equal(0, new FileInfo(target).Length);
    }

    [Fact]
    public async Task An_existing_target_is_never_replaced_and_the_part_file_is_kept()
    {
        using var directory = new TempDirectory();
        string target = Path.Combine(directory.Path, "file.bin");
        MerkleTree tree = await MerkleTreeTests.HashAsync(_data, PieceSize);
        await File.WriteAllTextAsync(target, "mine", TestContext.Timeout);
        Assert.Throws<IOException>(() => BlockStore.Open(target, tree));
        File.Delete(target);

        using BlockStore store = BlockStore.Open(target, tree);
        for (int block = 0; block < tree.BlockCount; block++)
        {
            Write(store, block);
        }

        await File.WriteAllTextAsync(target, "appeared meanwhile", TestContext.Timeout);
        Assert.Throws<IOException>(store.Complete);
        Assert.Equal("appeared meanwhile", await File.ReadAllTextAsync(target, TestContext.Timeout));
        Assert.True(File.Exists(target + BlockStore.PartExtension));
    }

    [Fact]
    public async Task Direct_writes_bring_a_file_with_a_short_last_block_out_whole_and_resume_after_a_crash()
    {
        // 1 MiB + 5000 bytes: 65 blocks in 17 pieces; the last block's first 4 KiB go out directly and
        // its last 904 bytes through the page cache.
        const int BigSize = (1 << 20) + 5000;
        byte[] data = MerkleTreeTests.Generate(BigSize, seed: 12);
        using var directory = new TempDirectory();
        string target = Path.Combine(directory.Path, "big.bin");
        MerkleTree tree = await MerkleTreeTests.HashAsync(data, PieceSize);

        using (BlockStore store = BlockStore.Open(target, tree, directWrites: true))
        {
            // This suite runs on Linux with ext4 (and tmpfs takes O_DIRECT since Linux 6.6).
            Assert.Equal(OperatingSystem.IsLinux(), store.WritesDirect);
            for (int piece = 0; piece < tree.PieceCount; piece += 2)
            {
                Assert.Equal(tree.BlocksInPiece(piece), WritePiece(store, data, piece));
            }

            store.Flush();
        }

        using (BlockStore resumed = BlockStore.Open(target, tree, directWrites: true))
        {
            Assert.Equal((tree.PieceCount / 2 * tree.BlocksPerPiece) + tree.BlocksInPiece(tree.PieceCount - 1), resumed.VerifiedBlocks);
            for (int piece = 1; piece < tree.PieceCount; piece += 2)
            {
                Assert.Equal(tree.BlocksInPiece(piece), WritePiece(resumed, data, piece));
            }

            Assert.True(resumed.IsComplete);
            resumed.Complete();
            Assert.False(resumed.WritesDirect);
        }

        Assert.Equal(data, await File.ReadAllBytesAsync(target, TestContext.Timeout));
    }

    [Fact]
    public async Task Files_under_a_mebibyte_and_stores_opened_without_direct_writes_use_the_page_cache()
    {
        using var directory = new TempDirectory();
        MerkleTree small = await MerkleTreeTests.HashAsync(_data, PieceSize);
        MerkleTree big = await MerkleTreeTests.HashAsync(MerkleTreeTests.Generate(2 << 20, seed: 13), PieceSize);

        using BlockStore smallStore = BlockStore.Open(Path.Combine(directory.Path, "small"), small, directWrites: true);
        using BlockStore bigStore = BlockStore.Open(Path.Combine(directory.Path, "big"), big, directWrites: false);
        Assert.False(smallStore.WritesDirect);
        Assert.False(bigStore.WritesDirect);
    }

    [Fact]
    public void Direct_writes_take_only_whole_aligned_units()
    {
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "file");
        File.WriteAllBytes(path, new byte[3 * DirectFileWriter.Alignment]);
        Assert.Null(DirectFileWriter.TryOpen(Path.Combine(directory.Path, "missing")));
        using DirectFileWriter? writer = DirectFileWriter.TryOpen(path);
        Assert.Equal(OperatingSystem.IsLinux(), writer is not null);
        if (writer is null)
        {
            return;
        }

        byte[] data = MerkleTreeTests.Generate((2 * DirectFileWriter.Alignment) + 100, seed: 14);
        Assert.Equal(0, writer.WriteAligned(data, 1));
        Assert.Equal(0, writer.WriteAligned(data.AsSpan(0, DirectFileWriter.Alignment - 1), 0));
        Assert.Equal(2 * DirectFileWriter.Alignment, writer.WriteAligned(data, DirectFileWriter.Alignment));

        byte[] onDisk = File.ReadAllBytes(path);
        Assert.All(onDisk.AsSpan(0, DirectFileWriter.Alignment).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(data.AsSpan(0, 2 * DirectFileWriter.Alignment).ToArray(), onDisk.AsSpan(DirectFileWriter.Alignment).ToArray());
    }

    // Writes one whole piece the way a download does: its blocks and proofs in one call.
    private static int WritePiece(BlockStore store, byte[] data, int piece)
    {
        MerkleTree tree = store.Tree;
        int count = tree.BlocksInPiece(piece);
        ReadOnlySpan<byte> pieceData = data.AsSpan(piece * tree.PieceSize, tree.PieceLength(piece));
        int proofLength = tree.PieceHeight * MerkleHash.HashSize;
        byte[] proofs = new byte[count * proofLength];
        Assert.True(tree.CreateProofs(pieceData, piece, 0, count, proofs));
        var results = new BlockWriteResult[count];
        return store.WriteBlocks(piece * tree.BlocksPerPiece, count, pieceData, proofs, results);
    }

    private void WriteAllAndCrash(string target, MerkleTree tree)
    {
        using BlockStore store = BlockStore.Open(target, tree);
        for (int block = 0; block < tree.BlockCount; block++)
        {
            Write(store, block);
        }

        store.Flush();
    }

    private BlockWriteResult Write(BlockStore store, int block) =>
        store.WriteBlock(block, Block(store.Tree, block), Proof(store.Tree, block));

    private byte[] Block(MerkleTree tree, int block) =>
        _data.AsSpan(block * MerkleHash.BlockSize, tree.BlockLength(block)).ToArray();

    private byte[] Proof(MerkleTree tree, int block)
    {
        int piece = block / tree.BlocksPerPiece;
        byte[] proof = new byte[tree.PieceHeight * MerkleHash.HashSize];
        tree.CreateProof(_data.AsSpan(piece * tree.PieceSize, tree.PieceLength(piece)), piece, block % tree.BlocksPerPiece, proof);
        return proof;
    }
}
