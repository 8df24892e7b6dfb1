using System.Buffers;
using System.Numerics;
using System.Security.Cryptography;

namespace MeshHost.Plugins.FileShare.Content;

/// <summary>
/// One file's Merkle tree as BEP 52 defines it, kept as its root and its piece layer (the hashes of the
/// subtrees over each piece), never the leaves: a 1 TiB file needs at most
/// <see cref="MaxPiecesPerFile"/> × 32 bytes. Blocks are verified against their piece's hash with a proof
/// (the sibling hashes from the leaf up to the piece layer), which the sender computes from the piece's
/// bytes on disk.
/// </summary>
/// <remarks>
/// Geometry: the leaf count is padded to a power of two; the piece layer sits
/// <see cref="PieceHeight"/> = min(log2(blocks per piece), tree height) above the leaves, so a file that
/// fits in one piece has one piece hash, its root. A zero-byte file has no blocks, no pieces and the
/// root of 32 zero bytes.
/// </remarks>
internal sealed class MerkleTree
{
    /// <summary>The piece size used unless a file is so large that its piece layer would exceed <see cref="MaxPiecesPerFile"/>.</summary>
    public const int DefaultPieceSize = 256 * 1024;

    /// <summary>The largest piece: 1,024 blocks, so a proof holds at most 10 hashes.</summary>
    public const int MaxPieceSize = 16 * 1024 * 1024;

    /// <summary>The most pieces one file may have: bounds the piece layer at 2 MiB.</summary>
    public const int MaxPiecesPerFile = 65_536;

    /// <summary>The largest file: 1 TiB (65,536 pieces of 16 MiB).</summary>
    public const long MaxFileSize = (long)MaxPiecesPerFile * MaxPieceSize;

    // Bytes read per call while hashing: a whole number of blocks, so a block never straddles two reads.
    private const int ReadBufferSize = 16 * MerkleHash.BlockSize;

    private readonly byte[] _root;
    private readonly byte[] _pieceLayer;

    private MerkleTree(long size, int pieceSize, byte[] root, byte[] pieceLayer)
    {
        Size = size;
        PieceSize = pieceSize;
        BlockCount = (int)((size + MerkleHash.BlockSize - 1) / MerkleHash.BlockSize);
        BlocksPerPiece = pieceSize / MerkleHash.BlockSize;
        PieceCount = (BlockCount + BlocksPerPiece - 1) / BlocksPerPiece;
        TreeHeight = MerkleHash.CeilingLog2(BlockCount);
        PieceHeight = Math.Min(BitOperations.Log2((uint)BlocksPerPiece), TreeHeight);
        _root = root;
        _pieceLayer = pieceLayer;
    }

    /// <summary>The file's length in bytes.</summary>
    public long Size { get; }

    /// <summary>Bytes per piece: a power of two from 16 KiB to 16 MiB.</summary>
    public int PieceSize { get; }

    /// <summary>16 KiB blocks in the file (the last may be shorter).</summary>
    public int BlockCount { get; }

    /// <summary><see cref="PieceSize"/> in blocks.</summary>
    public int BlocksPerPiece { get; }

    /// <summary>Pieces in the file (the last may be shorter).</summary>
    public int PieceCount { get; }

    /// <summary>Levels from the leaves to the root.</summary>
    public int TreeHeight { get; }

    /// <summary>Levels from the leaves to the piece layer: the number of hashes in a block's proof.</summary>
    public int PieceHeight { get; }

    /// <summary>The file's root hash (32 bytes).</summary>
    public ReadOnlySpan<byte> Root => _root;

    /// <summary><see cref="PieceCount"/> hashes of 32 bytes; for a one-piece file, the root.</summary>
    public ReadOnlySpan<byte> PieceLayer => _pieceLayer;

    /// <summary>The piece layer as share metadata carries it: empty when the file has at most one piece (BEP 52).</summary>
    public byte[] PieceLayerForMetadata => PieceCount > 1 ? (byte[])_pieceLayer.Clone() : [];

    /// <summary>The hash a piece's blocks are verified against.</summary>
    public ReadOnlySpan<byte> PieceHash(int piece) => _pieceLayer.AsSpan(piece * MerkleHash.HashSize, MerkleHash.HashSize);

    /// <summary>Bytes in a block: <see cref="MerkleHash.BlockSize"/> except for the file's last block.</summary>
    public int BlockLength(int block) => (int)Math.Min(MerkleHash.BlockSize, Size - (long)block * MerkleHash.BlockSize);

    /// <summary>Bytes in a piece: <see cref="PieceSize"/> except for the file's last piece.</summary>
    public int PieceLength(int piece) => (int)Math.Min(PieceSize, Size - (long)piece * PieceSize);

    /// <summary>Blocks in a piece: <see cref="BlocksPerPiece"/> except for the file's last piece.</summary>
    public int BlocksInPiece(int piece) => Math.Min(BlocksPerPiece, BlockCount - piece * BlocksPerPiece);

    /// <summary>
    /// The smallest power-of-two piece size, at least <see cref="DefaultPieceSize"/>, that keeps a file
    /// of <paramref name="size"/> bytes within <see cref="MaxPiecesPerFile"/> pieces.
    /// </summary>
    public static int ChoosePieceSize(long size)
    {
        CheckSize(size);
        int pieceSize = DefaultPieceSize;
        while ((size + pieceSize - 1) / pieceSize > MaxPiecesPerFile)
        {
            pieceSize *= 2;
        }

        return pieceSize;
    }

    /// <summary>Whether <paramref name="pieceSize"/> is a power of two from 16 KiB to 16 MiB.</summary>
    public static bool IsValidPieceSize(int pieceSize) =>
        pieceSize is >= MerkleHash.BlockSize and <= MaxPieceSize && BitOperations.IsPow2(pieceSize);

    /// <summary>
    /// Rebuilds a tree from metadata: <paramref name="pieceLayer"/> is empty for a file of at most one
    /// piece, otherwise one hash per piece, and must hash up to <paramref name="root"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The sizes do not fit, or the layer does not match the root.</exception>
    public static MerkleTree FromPieceLayer(long size, int pieceSize, ReadOnlySpan<byte> root, ReadOnlySpan<byte> pieceLayer)
    {
        CheckGeometry(size, pieceSize);
        if (root.Length != MerkleHash.HashSize)
        {
            throw new InvalidDataException($"A root is {MerkleHash.HashSize} bytes, not {root.Length}.");
        }

        var tree = new MerkleTree(size, pieceSize, root.ToArray(), []);
        if (tree.PieceCount <= 1)
        {
            if (!pieceLayer.IsEmpty)
            {
                throw new InvalidDataException("A file of at most one piece carries no piece layer: its root is the piece hash.");
            }

            if (tree.PieceCount == 0 && !root.SequenceEqual(MerkleHash.ZeroSubtree(0)))
            {
                throw new InvalidDataException("An empty file's root is 32 zero bytes.");
            }

            return new MerkleTree(size, pieceSize, root.ToArray(), tree.PieceCount == 0 ? [] : root.ToArray());
        }

        if (pieceLayer.Length != tree.PieceCount * MerkleHash.HashSize)
        {
            throw new InvalidDataException($"The piece layer holds {pieceLayer.Length} bytes; {tree.PieceCount} pieces need {tree.PieceCount * MerkleHash.HashSize}.");
        }

        byte[] scratch = pieceLayer.ToArray();
        Span<byte> computed = stackalloc byte[MerkleHash.HashSize];
        MerkleHash.Reduce(scratch, tree.PieceCount, tree.PieceHeight, tree.TreeHeight - tree.PieceHeight, computed);
        if (!computed.SequenceEqual(root))
        {
            throw new InvalidDataException("The piece layer does not hash to the file's root.");
        }

        return new MerkleTree(size, pieceSize, root.ToArray(), pieceLayer.ToArray());
    }

    /// <summary>Hashes a whole file read sequentially from disk.</summary>
    /// <param name="leavesPath">Where to write the file's leaf hashes (see <see cref="HashAsync"/>); null for nowhere.</param>
    /// <exception cref="IOException">The file cannot be read, or changed length while it was read.</exception>
    public static async ValueTask<MerkleTree> HashFileAsync(string path, int pieceSize, CancellationToken cancellationToken, string? leavesPath = null)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, System.IO.FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            if (leavesPath is null)
            {
                return await HashAsync(file, file.Length, pieceSize, cancellationToken).ConfigureAwait(false);
            }

            var leaves = new FileStream(leavesPath, FileMode.Create, FileAccess.Write, System.IO.FileShare.None, bufferSize: 64 * 1024, FileOptions.Asynchronous);
            await using (leaves.ConfigureAwait(false))
            {
                return await HashAsync(file, file.Length, pieceSize, cancellationToken, leaves).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Hashes exactly <paramref name="size"/> bytes of <paramref name="stream"/> with one pooled buffer of
    /// 256 KiB and one for a piece's leaves, whatever the file's size.
    /// </summary>
    /// <param name="leavesOutput">Receives every block's leaf hash in order (<see cref="BlockCount"/> × 32 bytes), what a seeder builds proofs from (<see cref="CreateProofsFromLeaves"/>); null for nowhere.</param>
    /// <exception cref="IOException">The stream ended early or holds more than <paramref name="size"/> bytes.</exception>
    public static async ValueTask<MerkleTree> HashAsync(Stream stream, long size, int pieceSize, CancellationToken cancellationToken, Stream? leavesOutput = null)
    {
        CheckGeometry(size, pieceSize);
        var shape = new MerkleTree(size, pieceSize, [], []);
        byte[] layer = new byte[shape.PieceCount * MerkleHash.HashSize];
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        byte[] leaves = ArrayPool<byte>.Shared.Rent(shape.BlocksPerPiece * MerkleHash.HashSize);
        try
        {
            int block = 0;
            int leafInPiece = 0;
            while (block < shape.BlockCount)
            {
                long remaining = size - (long)block * MerkleHash.BlockSize;
                int want = (int)Math.Min(ReadBufferSize, remaining);
                int read = await stream.ReadAtLeastAsync(buffer.AsMemory(0, want), want, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read < want)
                {
                    throw new IOException($"The file ended after {(long)block * MerkleHash.BlockSize + read} of {size} bytes: it changed while it was hashed.");
                }

                for (int offset = 0; offset < want; offset += MerkleHash.BlockSize, block++)
                {
                    int length = Math.Min(MerkleHash.BlockSize, want - offset);
                    MerkleHash.HashLeaf(buffer.AsSpan(offset, length), leaves.AsSpan(leafInPiece * MerkleHash.HashSize, MerkleHash.HashSize));
                    leafInPiece++;
                    if (leafInPiece == shape.BlocksPerPiece || block == shape.BlockCount - 1)
                    {
                        if (leavesOutput is not null)
                        {
                            await leavesOutput.WriteAsync(leaves.AsMemory(0, leafInPiece * MerkleHash.HashSize), cancellationToken).ConfigureAwait(false);
                        }

                        int piece = block / shape.BlocksPerPiece;
                        MerkleHash.Reduce(leaves, leafInPiece, 0, shape.PieceHeight, layer.AsSpan(piece * MerkleHash.HashSize, MerkleHash.HashSize));
                        leafInPiece = 0;
                    }
                }
            }

            if (await stream.ReadAsync(buffer.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) != 0)
            {
                throw new IOException($"The file holds more than {size} bytes: it changed while it was hashed.");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(leaves);
            ArrayPool<byte>.Shared.Return(buffer);
        }

        byte[] root = new byte[MerkleHash.HashSize];
        byte[] scratch = (byte[])layer.Clone();
        MerkleHash.Reduce(scratch, shape.PieceCount, shape.PieceHeight, shape.TreeHeight - shape.PieceHeight, root);
        return new MerkleTree(size, pieceSize, root, layer);
    }

    /// <summary>
    /// Writes the proof of one block of a piece: <see cref="PieceHeight"/> sibling hashes, lowest first,
    /// computed from the piece's bytes (<see cref="PieceLength"/> of them) as read from disk.
    /// </summary>
    /// <returns>The bytes written to <paramref name="proof"/>.</returns>
    public int CreateProof(ReadOnlySpan<byte> pieceData, int piece, int blockInPiece, Span<byte> proof)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(pieceData.Length, PieceLength(piece));
        int count = BlocksInPiece(piece);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)blockInPiece, (uint)count);
        int proofLength = PieceHeight * MerkleHash.HashSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(proof.Length, proofLength);

        byte[] layer = ArrayPool<byte>.Shared.Rent(count * MerkleHash.HashSize);
        try
        {
            MerkleHash.HashLeaves(pieceData, layer);

            int index = blockInPiece;
            for (int level = 0; level < PieceHeight; level++)
            {
                int sibling = index ^ 1;
                ReadOnlySpan<byte> hash = sibling < count ? layer.AsSpan(sibling * MerkleHash.HashSize, MerkleHash.HashSize) : MerkleHash.ZeroSubtree(level);
                hash.CopyTo(proof.Slice(level * MerkleHash.HashSize, MerkleHash.HashSize));
                count = MerkleHash.ReduceOneLevel(layer, count, level);
                index >>= 1;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(layer);
        }

        return proofLength;
    }

    /// <summary>
    /// Writes the proofs of blocks <paramref name="firstBlock"/> to <paramref name="firstBlock"/> +
    /// <paramref name="count"/> - 1 of a piece back to back, hashing the piece's leaves once (not once per
    /// block), and checks on the way that the piece still hashes to its piece hash, so a seeder whose file
    /// changed on disk sends nothing that would be rejected.
    /// </summary>
    /// <returns>False when <paramref name="pieceData"/> does not hash to the piece's hash; the proofs are then meaningless.</returns>
    public bool CreateProofs(ReadOnlySpan<byte> pieceData, int piece, int firstBlock, int count, Span<byte> proofs)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(pieceData.Length, PieceLength(piece));
        int nodes = BlocksInPiece(piece);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)firstBlock + (uint)count, (uint)nodes);
        int proofLength = PieceHeight * MerkleHash.HashSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(proofs.Length, proofLength * count);

        byte[] layer = ArrayPool<byte>.Shared.Rent(nodes * MerkleHash.HashSize);
        try
        {
            MerkleHash.HashLeaves(pieceData, layer);
            return ProofsFromLayer(layer.AsSpan(0, nodes * MerkleHash.HashSize), nodes, piece, firstBlock, count, proofs);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(layer);
        }
    }

    /// <summary>
    /// Writes the same proofs as <see cref="CreateProofs"/> from the piece's leaf hashes
    /// (<see cref="BlocksInPiece"/> × 32 bytes, as <see cref="HashAsync"/> wrote them) instead of its bytes:
    /// 15 hashes of 64 bytes for a 16-block piece instead of hashing 256 KiB. The leaves are reduced in
    /// place: <paramref name="leaves"/> is overwritten.
    /// </summary>
    /// <returns>False when the leaves do not hash up to the piece's hash (a damaged leaf file); the proofs are then meaningless.</returns>
    public bool CreateProofsFromLeaves(Span<byte> leaves, int piece, int firstBlock, int count, Span<byte> proofs)
    {
        int nodes = BlocksInPiece(piece);
        ArgumentOutOfRangeException.ThrowIfNotEqual(leaves.Length, nodes * MerkleHash.HashSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)firstBlock + (uint)count, (uint)nodes);
        ArgumentOutOfRangeException.ThrowIfLessThan(proofs.Length, PieceHeight * MerkleHash.HashSize * count);
        return ProofsFromLayer(leaves, nodes, piece, firstBlock, count, proofs);
    }

    // Reduces the piece's leaf layer (destroying it) to the piece hash, copying each requested block's
    // siblings into its proof on the way; true when the top equals the piece hash.
    private bool ProofsFromLayer(Span<byte> layer, int nodes, int piece, int firstBlock, int count, Span<byte> proofs)
    {
        int proofLength = PieceHeight * MerkleHash.HashSize;
        for (int level = 0; level < PieceHeight; level++)
        {
            for (int i = 0; i < count; i++)
            {
                int sibling = ((firstBlock + i) >> level) ^ 1;
                ReadOnlySpan<byte> hash = sibling < nodes ? layer.Slice(sibling * MerkleHash.HashSize, MerkleHash.HashSize) : MerkleHash.ZeroSubtree(level);
                hash.CopyTo(proofs.Slice((i * proofLength) + (level * MerkleHash.HashSize), MerkleHash.HashSize));
            }

            nodes = MerkleHash.ReduceOneLevel(layer, nodes, level);
        }

        return CryptographicOperations.FixedTimeEquals(layer[..MerkleHash.HashSize], PieceHash(piece));
    }

    /// <summary>
    /// Whether <paramref name="data"/> is block <paramref name="block"/> of this file: its length must be
    /// the block's, and its leaf hash with <paramref name="proof"/> must hash up to the piece's hash.
    /// </summary>
    public bool VerifyBlock(int block, ReadOnlySpan<byte> data, ReadOnlySpan<byte> proof)
    {
        if ((uint)block >= (uint)BlockCount || data.Length != BlockLength(block) || proof.Length != PieceHeight * MerkleHash.HashSize)
        {
            return false;
        }

        Span<byte> current = stackalloc byte[MerkleHash.HashSize];
        MerkleHash.HashLeaf(data, current);
        int index = block % BlocksPerPiece;
        for (int level = 0; level < PieceHeight; level++, index >>= 1)
        {
            ReadOnlySpan<byte> sibling = proof.Slice(level * MerkleHash.HashSize, MerkleHash.HashSize);
            if ((index & 1) == 0)
            {
                MerkleHash.HashPair(current, sibling, current);
            }
            else
            {
                MerkleHash.HashPair(sibling, current, current);
            }
        }

        return CryptographicOperations.FixedTimeEquals(current, PieceHash(block / BlocksPerPiece));
    }

    /// <summary>
    /// Checks <paramref name="count"/> consecutive blocks from <paramref name="firstBlock"/>, given back to
    /// back in <paramref name="data"/> with their proofs back to back in <paramref name="proofs"/>: sets
    /// <paramref name="valid"/>[i] exactly as <see cref="VerifyBlock"/> would answer for block i with its
    /// own proof. Neighbouring blocks whose next step hashes the same two children (as all blocks of an
    /// honest whole-piece response do) share that hash instead of computing it again: 15 node hashes for
    /// a 16-block piece instead of 64, since each SHA-256 call costs far more than its 64 bytes.
    /// </summary>
    public void VerifyBlocks(int firstBlock, int count, ReadOnlySpan<byte> data, ReadOnlySpan<byte> proofs, Span<bool> valid)
    {
        int proofLength = PieceHeight * MerkleHash.HashSize;
        if (firstBlock < 0 || count <= 0 || (long)firstBlock + count > BlockCount || valid.Length < count
            || proofs.Length != (long)count * proofLength
            || data.Length != ((long)(count - 1) * MerkleHash.BlockSize) + BlockLength(firstBlock + count - 1))
        {
            valid[..Math.Clamp(count, 0, valid.Length)].Clear();
            return;
        }

        byte[]? rented = count > 64 ? ArrayPool<byte>.Shared.Rent(count * MerkleHash.HashSize) : null;
        Span<byte> current = rented ?? stackalloc byte[64 * MerkleHash.HashSize];
        try
        {
            for (int i = 0; i < count; i++)
            {
                MerkleHash.HashLeaf(data.Slice(i * MerkleHash.BlockSize, BlockLength(firstBlock + i)), current.Slice(i * MerkleHash.HashSize, MerkleHash.HashSize));
            }

            Span<byte> pair = stackalloc byte[2 * MerkleHash.HashSize];
            Span<byte> lastPair = stackalloc byte[2 * MerkleHash.HashSize];
            Span<byte> lastParent = stackalloc byte[MerkleHash.HashSize];
            for (int level = 0; level < PieceHeight; level++)
            {
                bool haveLast = false;
                for (int i = 0; i < count; i++)
                {
                    Span<byte> node = current.Slice(i * MerkleHash.HashSize, MerkleHash.HashSize);
                    ReadOnlySpan<byte> sibling = proofs.Slice((i * proofLength) + (level * MerkleHash.HashSize), MerkleHash.HashSize);
                    bool left = (((firstBlock + i) % BlocksPerPiece) >> level & 1) == 0;
                    (left ? node : sibling).CopyTo(pair);
                    (left ? sibling : node).CopyTo(pair[MerkleHash.HashSize..]);
                    if (haveLast && pair.SequenceEqual(lastPair))
                    {
                        lastParent.CopyTo(node);
                        continue;
                    }

                    SHA256.HashData(pair, node);
                    pair.CopyTo(lastPair);
                    node.CopyTo(lastParent);
                    haveLast = true;
                }
            }

            for (int i = 0; i < count; i++)
            {
                valid[i] = CryptographicOperations.FixedTimeEquals(current.Slice(i * MerkleHash.HashSize, MerkleHash.HashSize), PieceHash((firstBlock + i) / BlocksPerPiece));
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Whether <paramref name="pieceData"/> (the piece's bytes as on disk) hashes to the piece's hash.</summary>
    public bool VerifyPiece(int piece, ReadOnlySpan<byte> pieceData)
    {
        if ((uint)piece >= (uint)PieceCount || pieceData.Length != PieceLength(piece))
        {
            return false;
        }

        int count = BlocksInPiece(piece);
        byte[] leaves = ArrayPool<byte>.Shared.Rent(count * MerkleHash.HashSize);
        try
        {
            MerkleHash.HashLeaves(pieceData, leaves);

            Span<byte> computed = stackalloc byte[MerkleHash.HashSize];
            MerkleHash.Reduce(leaves, count, 0, PieceHeight, computed);
            return CryptographicOperations.FixedTimeEquals(computed, PieceHash(piece));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(leaves);
        }
    }

    private static void CheckGeometry(long size, int pieceSize)
    {
        CheckSize(size);
        if (!IsValidPieceSize(pieceSize))
        {
            throw new InvalidDataException($"A piece size is a power of two from {MerkleHash.BlockSize} to {MaxPieceSize} bytes, not {pieceSize}.");
        }

        if ((size + pieceSize - 1) / pieceSize > MaxPiecesPerFile)
        {
            throw new InvalidDataException($"A file of {size} bytes in pieces of {pieceSize} bytes has more than {MaxPiecesPerFile} pieces.");
        }
    }

    private static void CheckSize(long size)
    {
        if (size is < 0 or > MaxFileSize)
        {
            throw new InvalidDataException($"A file's size is 0 to {MaxFileSize} bytes, not {size}.");
        }
    }
}
