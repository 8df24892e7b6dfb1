using MeshHost.Plugins.FileShare.Content;
using Microsoft.Win32.SafeHandles;

namespace MeshHost.Plugins.FileShare.Sharing;

/// <summary>
/// A share served in place from the files it was built from. Before a file is read its size and
/// last-write time are compared with those recorded when it was hashed (at most once per
/// <see cref="RecheckInterval"/>); a changed or missing file makes the share <see cref="IsStale"/>, and
/// it is served no more. Proofs come from the leaf hashes saved when a file was hashed, where it has
/// them (<see cref="LeafStore"/>). Thread-safe.
/// </summary>
internal sealed class LocalShare : IPieceSource, IDisposable
{
    /// <summary>How long a successful size/mtime check is trusted.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    private readonly FileStamp[] _stamps;
    private readonly long[] _checkedAt;
    private readonly SafeFileHandle?[] _handles;
    private readonly LeafStore? _leaves;
    private readonly SafeFileHandle?[] _leafHandles;
    private readonly bool[] _noLeaves;
    private readonly Lock _sync = new();
    private bool _disposed;
    private volatile bool _stale;

    public LocalShare(ShareLayout layout, string sourcePath, string[] filePaths, FileStamp[] stamps, LeafStore? leaves = null)
    {
        Layout = layout;
        SourcePath = sourcePath;
        FilePaths = filePaths;
        _stamps = stamps;
        _checkedAt = new long[filePaths.Length];
        _handles = new SafeFileHandle?[filePaths.Length];
        _leaves = leaves;
        _leafHandles = new SafeFileHandle?[filePaths.Length];
        _noLeaves = new bool[filePaths.Length];
        Array.Fill(_checkedAt, long.MinValue);
    }

    public ShareLayout Layout { get; }

    /// <summary>The file or folder that was shared.</summary>
    public string SourcePath { get; }

    /// <summary>Each file's absolute path, in metadata order.</summary>
    public string[] FilePaths { get; }

    /// <summary>Each file's stamp when it was hashed.</summary>
    public IReadOnlyList<FileStamp> Stamps => _stamps;

    /// <summary>The clock rechecks are timed with; the system clock until the plugin sets its own.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>True once a file was found changed or missing: the share must be built again.</summary>
    public bool IsStale => _stale;

    public bool IsComplete => !_stale;

    public bool HasPiece(int global) => !_stale;

    /// <summary>Checks every file's stamp now; false (and stale) when one changed.</summary>
    public bool Recheck()
    {
        for (int i = 0; i < FilePaths.Length; i++)
        {
            if (FileStamp.Of(FilePaths[i]) != _stamps[i])
            {
                _stale = true;
                return false;
            }
        }

        return !_stale;
    }

    public bool TryReadPiece(int file, int piece, Span<byte> destination)
    {
        if (_stale || !IsFresh(file))
        {
            return false;
        }

        MerkleTree tree = Layout.Trees[file];
        try
        {
            SafeFileHandle? handle = Handle(file);
            if (handle is null)
            {
                return false;
            }

            long offset = (long)piece * tree.PieceSize;
            int length = tree.PieceLength(piece);
            int total = 0;
            while (total < length)
            {
                int read = RandomAccess.Read(handle, destination.Slice(total, length - total), offset + total);
                if (read == 0)
                {
                    _stale = true;
                    return false;
                }

                total += read;
            }

            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public bool TryReadLeaves(int file, int piece, Span<byte> destination)
    {
        MerkleTree tree = Layout.Trees[file];
        int length = tree.BlocksInPiece(piece) * MerkleHash.HashSize;
        if (_stale || destination.Length < length || LeafHandle(file, tree) is not { } handle)
        {
            return false;
        }

        try
        {
            long offset = (long)piece * tree.BlocksPerPiece * MerkleHash.HashSize;
            int total = 0;
            while (total < length)
            {
                int read = RandomAccess.Read(handle, destination[total..length], offset + total);
                if (read == 0)
                {
                    ForgetLeaves(file);
                    return false;
                }

                total += read;
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            return false;
        }
    }

    public void ForgetLeaves(int file)
    {
        lock (_sync)
        {
            _noLeaves[file] = true;
            _leafHandles[file]?.Dispose();
            _leafHandles[file] = null;
        }

        _leaves?.Delete(Layout.Trees[file].Root);
    }

    /// <summary>Closes the files; reads fail afterwards.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            _disposed = true;
            foreach (SafeFileHandle? handle in _handles)
            {
                handle?.Dispose();
            }

            foreach (SafeFileHandle? handle in _leafHandles)
            {
                handle?.Dispose();
            }
        }
    }

    // The file's leaf file, opened on first use and kept open; null (and not looked for again) when it
    // has none, or one of the wrong length.
    private SafeFileHandle? LeafHandle(int file, MerkleTree tree)
    {
        if (_leaves is null || tree.Size < LeafStore.MinimumFileSize)
        {
            return null;
        }

        lock (_sync)
        {
            if (_disposed || _noLeaves[file])
            {
                return null;
            }

            if (_leafHandles[file] is { } open)
            {
                return open;
            }

            try
            {
                SafeFileHandle handle = File.OpenHandle(_leaves.PathOf(tree.Root), FileMode.Open, FileAccess.Read, System.IO.FileShare.Read | System.IO.FileShare.Delete);
                if (RandomAccess.GetLength(handle) != (long)tree.BlockCount * MerkleHash.HashSize)
                {
                    handle.Dispose();
                    _noLeaves[file] = true;
                    return null;
                }

                return _leafHandles[file] = handle;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _noLeaves[file] = true;
                return null;
            }
        }
    }

    // Kept open between requests: one open per file instead of one per piece served.
    private SafeFileHandle? Handle(int file)
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return null;
            }

            return _handles[file] ??= File.OpenHandle(FilePaths[file], FileMode.Open, FileAccess.Read, System.IO.FileShare.ReadWrite);
        }
    }

    /// <summary>Marks the share stale: a piece read from it did not hash to its piece hash.</summary>
    public void MarkStale() => _stale = true;

    private bool IsFresh(int file)
    {
        long now = Time.GetTimestamp();
        long last = Volatile.Read(ref _checkedAt[file]);
        if (last != long.MinValue && Time.GetElapsedTime(last, now) < RecheckInterval)
        {
            return true;
        }

        if (FileStamp.Of(FilePaths[file]) != _stamps[file])
        {
            _stale = true;
            return false;
        }

        Volatile.Write(ref _checkedAt[file], now);
        return true;
    }
}
