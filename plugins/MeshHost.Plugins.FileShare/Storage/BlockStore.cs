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
/// only when every block is verified, so a partial file never carries the final name. Thread-safe.
/// </summary>
/// <remarks>
/// Only blocks that verify against the tree are written. <see cref="Flush"/> records in the sidecar
/// (replaced atomically) only blocks already written, so after a process crash it claims no more than
/// the file holds; it does not fsync (that would cap downloads at the disk's sustained write speed).
/// Opening rechecks instead: every piece the sidecar claims whole is hashed from disk and kept only if
/// it matches, so what a power cut lost is dropped and fetched again; a missing or damaged sidecar
/// means every piece is rechecked. Blocks of a piece that is not whole are not kept across a restart
/// (they cannot be re-verified without their proofs), which loses at most the pieces in flight.
/// <see cref="Complete"/> fsyncs the file before renaming it. Blocks are verified and written outside
/// the lock (downloads verify on several cores at once); only the bitfield is updated under it.
/// </remarks>
internal sealed class BlockStore : IDisposable
{
    /// <summary>Appended to the target's name for the file being written.</summary>
    public const string PartExtension = ".meshpart";

    /// <summary>Appended to the part file's name for its sidecar.</summary>
    public const string SidecarExtension = ".bits";

    /// <summary>Files smaller than this are written through the page cache only (a direct handle is not worth its descriptor).</summary>
    public const long DirectWriteMinimumSize = 1 << 20;

    // Blocks per write whose verification results fit on the stack (a request carries at most 48).
    private const int StackBlocks = 64;

    private readonly MerkleTree _tree;
    private readonly string _targetPath;
    private readonly string _partPath;
    private readonly string _sidecarPath;
    private readonly byte[] _verified;
    private readonly Lock _sync = new();
    private readonly Lock _flushSync = new();
    private readonly Lock _writeSync = new();
    private FileStream? _file;
    private DirectFileWriter? _direct;
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

    /// <summary>Whether verified blocks bypass the page cache (<see cref="DirectFileWriter"/>); false once a direct write failed.</summary>
    public bool WritesDirect => Volatile.Read(ref _direct) is not null;

    /// <summary>Whether every block is verified (<see cref="Complete"/> may be called).</summary>
    public bool IsComplete => _verifiedCount == _tree.BlockCount;

    /// <summary>
    /// Opens (or creates) the part file for <paramref name="targetPath"/> and rechecks what it holds.
    /// The target's folder must exist.
    /// </summary>
    /// <param name="directWrites">Write verified blocks with <c>O_DIRECT</c> where the system allows it and the file is at least <see cref="DirectWriteMinimumSize"/>.</param>
    /// <exception cref="IOException">The target already exists, or the part file cannot be opened or sized (disk full, permissions).</exception>
    public static BlockStore Open(string targetPath, MerkleTree tree, bool directWrites = false)
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
            if (directWrites && tree.Size >= DirectWriteMinimumSize && !store.IsComplete)
            {
                store._direct = DirectFileWriter.TryOpen(store._partPath);
            }

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
        Span<BlockWriteResult> result = stackalloc BlockWriteResult[1];
        if ((uint)block >= (uint)_tree.BlockCount)
        {
            _ = Handle();
            return BlockWriteResult.Rejected;
        }

        WriteBlocks(block, 1, data, proof, result);
        return result[0];
    }

    /// <summary>
    /// Verifies <paramref name="count"/> consecutive blocks from <paramref name="firstBlock"/>, given back to
    /// back in <paramref name="data"/> with their proofs back to back in <paramref name="proofs"/>, and
    /// writes the verified ones (one pwrite per block; see the comment at the write).
    /// </summary>
    /// <param name="results">What happened to each block.</param>
    /// <returns>How many blocks were written.</returns>
    /// <exception cref="IOException">A write failed (disk full, …); the part file and what it holds stay.</exception>
    public int WriteBlocks(int firstBlock, int count, ReadOnlySpan<byte> data, ReadOnlySpan<byte> proofs, Span<BlockWriteResult> results)
    {
        SafeFileHandle handle = Handle();
        int proofLength = _tree.PieceHeight * MerkleHash.HashSize;
        if (firstBlock < 0 || count < 0 || (long)firstBlock + count > _tree.BlockCount || proofs.Length != (long)count * proofLength || results.Length < count)
        {
            results[..Math.Min(count, results.Length)].Fill(BlockWriteResult.Rejected);
            return 0;
        }

        long expected = count == 0 ? 0 : ((long)(count - 1) * MerkleHash.BlockSize) + _tree.BlockLength(firstBlock + count - 1);
        if (data.Length != expected)
        {
            results[..count].Fill(BlockWriteResult.Rejected);
            return 0;
        }

        if (count == 0)
        {
            return 0;
        }

        Span<bool> valid = count <= StackBlocks ? stackalloc bool[StackBlocks] : new bool[count];
        _tree.VerifyBlocks(firstBlock, count, data, proofs, valid);
        for (int i = 0; i < count; i++)
        {
            results[i] = HasBlock(firstBlock + i) ? BlockWriteResult.AlreadyHave
                : valid[i] ? BlockWriteResult.Written
                : BlockWriteResult.Rejected;
        }

        int written = 0;
        for (int i = 0; i < count;)
        {
            if (results[i] != BlockWriteResult.Written)
            {
                i++;
                continue;
            }

            int end = i;
            while (end < count && results[end] == BlockWriteResult.Written)
            {
                end++;
            }

            int offset = i * MerkleHash.BlockSize;
            int length = (int)Math.Min((long)(end - i) * MerkleHash.BlockSize, data.Length - offset);
            // One writer at a time: concurrent writes to one file contend on its inode lock in the kernel,
            // and the spinning cost more CPU than waiting here (measured with perf, docs/fileshare.md).
            lock (_writeSync)
            {
                long position = ((long)firstBlock * MerkleHash.BlockSize) + offset;
                ReadOnlySpan<byte> run = data.Slice(offset, length);
                int direct = WriteDirect(run, position);

                // Through the page cache: one pwrite per block, not one per run, because the kernel sizes
                // the page-cache folios it allocates by the write's length, and on a VM large folios come
                // from memory the host reclaimed, so a 256 KiB write costs several times the CPU of
                // sixteen 16 KiB ones (docs/benchmarks.md).
                for (int done = direct; done < length; done += MerkleHash.BlockSize)
                {
                    RandomAccess.Write(handle, run.Slice(done, Math.Min(MerkleHash.BlockSize, length - done)), position + done);
                }
            }

            lock (_sync)
            {
                for (int block = firstBlock + i; block < firstBlock + end; block++)
                {
                    if (HasBlock(block))
                    {
                        // Another thread wrote the same verified block meanwhile (an endgame duplicate).
                        results[block - firstBlock] = BlockWriteResult.AlreadyHave;
                    }
                    else
                    {
                        Mark(block);
                        written++;
                    }
                }

                _dirty = true;
            }

            i = end;
        }

        return written;
    }

    /// <summary>Whether every block of piece <paramref name="piece"/> is verified.</summary>
    public bool HasPiece(int piece)
    {
        int first = piece * _tree.BlocksPerPiece;
        return AllSet(_verified, first, _tree.BlocksInPiece(piece));
    }

    /// <summary>Reads <paramref name="destination"/>.Length bytes at <paramref name="offset"/> of the part file (the caller checked they are verified).</summary>
    public void ReadRange(long offset, Span<byte> destination)
    {
        SafeFileHandle handle = Handle();
        int total = 0;
        while (total < destination.Length)
        {
            int read = RandomAccess.Read(handle, destination[total..], offset + total);
            if (read == 0)
            {
                throw new IOException("The part file is shorter than its share.");
            }

            total += read;
        }
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
        lock (_flushSync)
        {
            byte[] snapshot;
            lock (_sync)
            {
                if (!_dirty)
                {
                    return;
                }

                snapshot = (byte[])_verified.Clone();
                _dirty = false;
            }

            // Only blocks already written are in the snapshot, so after a process crash (kill -9) the sidecar
            // claims nothing the page cache does not hold. Neither the data nor the sidecar is fsynced here:
            // forcing write-back every few seconds would cap downloads at the disk's sustained write speed,
            // and after a power cut Open rehashes every piece the sidecar claims anyway, dropping what was lost.
            _ = Handle();
            BlockStoreSidecar.Write(_sidecarPath, _tree, snapshot, durable: false);
        }
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

        lock (_flushSync)
        {
            lock (_sync)
            {
                _dirty = true;
            }
        }

        Flush();
        lock (_flushSync)
        {
            CloseDirect();

            // fsync covers what either handle wrote (it is per file, not per descriptor).
            _file!.Flush(flushToDisk: true);
            _file.Dispose();
            _file = null;
        }

        File.Move(_partPath, _targetPath, overwrite: false);
        File.Delete(_sidecarPath);
    }

    /// <summary>Closes the part file without flushing the sidecar: like a crash, unless <see cref="Flush"/> came first.</summary>
    public void Dispose()
    {
        lock (_flushSync)
        {
            CloseDirect();
            _file?.Dispose();
            _file = null;
        }
    }

    // Caller holds _writeSync. Returns how many bytes of the run went out directly; the rest is written
    // through the page cache. A failed direct write (the device refused the alignment, the disk is full)
    // turns direct writes off for this file and the whole run is written again through the page cache,
    // which reports a real disk error itself.
    private int WriteDirect(ReadOnlySpan<byte> run, long position)
    {
        if (_direct is not { } direct)
        {
            return 0;
        }

        try
        {
            return direct.WriteAligned(run, position);
        }
        catch (IOException)
        {
            Volatile.Write(ref _direct, null);
            direct.Dispose();
            return 0;
        }
    }

    private void CloseDirect()
    {
        lock (_writeSync)
        {
            _direct?.Dispose();
            _direct = null;
        }
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
