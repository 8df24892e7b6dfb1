using System.Buffers;
using MeshHost.Plugins.FileShare.Content;
using Microsoft.Win32.SafeHandles;

namespace MeshHost.Plugins.FileShare.Storage;

/// <summary>What <see cref="BlockStore.WriteBlock"/> did with a block.</summary>
internal enum BlockWriteResult
{
    /// <summary>Verified and written.</summary>
    Written,

    /// <summary>The block was already verified; nothing was written.</summary>
    AlreadyHave,

    /// <summary>The block or its proof failed the hash check: count it against the peer that sent it.</summary>
    Rejected,
}

/// <summary>
/// One file being downloaded: its bytes in <c>&lt;target&gt;.meshpart</c>, which blocks are verified in
/// the sidecar <c>&lt;target&gt;.meshpart.bits</c> (<see cref="BlockStoreSidecar"/>), renamed to the target
/// only when every block is verified, so a partial file never carries the final name. Not thread-safe:
/// one downloader owns it.
/// </summary>
/// <remarks>
/// Only blocks that verify against the tree are written. <see cref="Flush"/> makes the data durable
/// before the sidecar (replaced atomically) claims it, so after a crash the sidecar claims no more than
/// the disk holds. Opening rechecks anyway: every piece the sidecar claims whole is hashed from disk
/// and kept only if it matches; a missing or damaged sidecar means every piece is rechecked. Blocks of
/// a piece that is not whole are not kept across a restart (they cannot be re-verified without their
/// proofs), which loses at most the pieces that were in flight.
/// </remarks>
internal sealed class BlockStore : IDisposable
{
    /// <summary>Appended to the target's name for the file being written.</summary>
    public const string PartExtension = ".meshpart";

    /// <summary>Appended to the part file's name for its sidecar.</summary>
    public const string SidecarExtension = ".bits";

    private readonly MerkleTree _tree;
    private readonly string _targetPath;
    private readonly string _partPath;
    private readonly string _sidecarPath;
    private readonly byte[] _verified;
    private FileStream? _file;
    private int _verifiedCount;
    private bool _dirty;

    private BlockStore(MerkleTree tree, string targetPath, FileStream file)
    {
        _tree = tree;
        _targetPath = targetPath;
        _partPath = targetPath + PartExtension;
        _sidecarPath = _partPath + SidecarExtension;
        _verified = new byte[(tree.BlockCount + 7) / 8];
        _file = file;
    }

    /// <summary>The tree the blocks are verified against.</summary>
    public MerkleTree Tree => _tree;

    /// <summary>Blocks verified so far.</summary>
    public int VerifiedBlocks => _verifiedCount;

    /// <summary>Whether every block is verified (<see cref="Complete"/> may be called).</summary>
    public bool IsComplete => _verifiedCount == _tree.BlockCount;

    /// <summary>
    /// Opens (or creates) the part file for <paramref name="targetPath"/> and rechecks what it holds.
    /// The target's folder must exist.
    /// </summary>
    /// <exception cref="IOException">The target already exists, or the part file cannot be opened or sized (disk full, permissions).</exception>
    public static BlockStore Open(string targetPath, MerkleTree tree)
    {
        targetPath = Path.GetFullPath(targetPath);
        if (File.Exists(targetPath))
        {
            throw new IOException($"'{targetPath}' already exists: a download never replaces a file.");
        }

        var file = new FileStream(targetPath + PartExtension, FileMode.OpenOrCreate, FileAccess.ReadWrite, System.IO.FileShare.Read, bufferSize: 0);
        var store = new BlockStore(tree, targetPath, file);
        try
        {
            bool hadData = file.Length > 0;
            if (file.Length != tree.Size)
            {
                file.SetLength(tree.Size);
            }

            byte[]? claimed = hadData ? BlockStoreSidecar.Read(store._sidecarPath, tree) : null;
            store.Recheck(claimed, recheckAll: hadData && claimed is null);
            store._dirty = true;
            store.Flush();
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Whether block <paramref name="block"/> is verified and on disk.</summary>
    public bool HasBlock(int block) => (_verified[block >> 3] & (1 << (block & 7))) != 0;

    /// <summary>
    /// Verifies <paramref name="data"/> as block <paramref name="block"/> with <paramref name="proof"/>
    /// (see <see cref="MerkleTree.VerifyBlock"/>) and writes it only if it verifies.
    /// </summary>
    /// <exception cref="IOException">The write failed (disk full, …); the part file and what it holds stay.</exception>
    public BlockWriteResult WriteBlock(int block, ReadOnlySpan<byte> data, ReadOnlySpan<byte> proof)
    {
        SafeFileHandle handle = Handle();
        if ((uint)block < (uint)_tree.BlockCount && HasBlock(block))
        {
            return BlockWriteResult.AlreadyHave;
        }

        if (!_tree.VerifyBlock(block, data, proof))
        {
            return BlockWriteResult.Rejected;
        }

        RandomAccess.Write(handle, data, (long)block * MerkleHash.BlockSize);
        Mark(block);
        _dirty = true;
        return BlockWriteResult.Written;
    }

    /// <summary>Reads a verified block into <paramref name="destination"/> (for seeding while downloading); returns its length.</summary>
    public int ReadBlock(int block, Span<byte> destination)
    {
        if (!HasBlock(block))
        {
            throw new InvalidOperationException($"Block {block} is not verified yet.");
        }

        int length = _tree.BlockLength(block);
        RandomAccess.Read(Handle(), destination[..length], (long)block * MerkleHash.BlockSize);
        return length;
    }

    /// <summary>Makes the written blocks durable, then records them in the sidecar (replaced atomically).</summary>
    public void Flush()
    {
        if (!_dirty)
        {
            return;
        }

        _ = Handle();
        _file!.Flush(flushToDisk: true);
        BlockStoreSidecar.Write(_sidecarPath, _tree, _verified);
        _dirty = false;
    }

    /// <summary>
    /// Once every block is verified: flushes, closes and renames the part file to the target, then
    /// deletes the sidecar. The store cannot be used afterwards.
    /// </summary>
    /// <exception cref="InvalidOperationException">Blocks are missing.</exception>
    /// <exception cref="IOException">The target appeared meanwhile, or the rename failed; the part file stays.</exception>
    public void Complete()
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException($"{_tree.BlockCount - _verifiedCount} of {_tree.BlockCount} blocks are still missing.");
        }

        Flush();
        _file!.Flush(flushToDisk: true);
        _file.Dispose();
        _file = null;
        File.Move(_partPath, _targetPath, overwrite: false);
        File.Delete(_sidecarPath);
    }

    /// <summary>Closes the part file without flushing the sidecar: like a crash, unless <see cref="Flush"/> came first.</summary>
    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
    }

    private SafeFileHandle Handle() =>
        _file?.SafeFileHandle ?? throw new ObjectDisposedException(nameof(BlockStore), "The block store is closed or complete.");

    private void Mark(int block)
    {
        _verified[block >> 3] |= (byte)(1 << (block & 7));
        _verifiedCount++;
    }

    private void Recheck(byte[]? claimed, bool recheckAll)
    {
        if (claimed is null && !recheckAll)
        {
            return;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(_tree.PieceSize);
        try
        {
            for (int piece = 0; piece < _tree.PieceCount; piece++)
            {
                int first = piece * _tree.BlocksPerPiece;
                int count = _tree.BlocksInPiece(piece);
                if (!recheckAll && !AllSet(claimed!, first, count))
                {
                    continue;
                }

                Span<byte> data = buffer.AsSpan(0, _tree.PieceLength(piece));
                RandomAccess.Read(Handle(), data, (long)piece * _tree.PieceSize);
                if (_tree.VerifyPiece(piece, data))
                {
                    for (int block = first; block < first + count; block++)
                    {
                        Mark(block);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool AllSet(byte[] bits, int first, int count)
    {
        for (int block = first; block < first + count; block++)
        {
            if ((bits[block >> 3] & (1 << (block & 7))) == 0)
            {
                return false;
            }
        }

        return true;
    }
}
