using MeshHost.Plugins.FileShare.Content;
using Microsoft.Win32.SafeHandles;

namespace MeshHost.Plugins.FileShare.Sharing;

/// <summary>
/// A share served in place from the files it was built from. Before a file is read its size and
/// last-write time are compared with those recorded when it was hashed (at most once per
/// <see cref="RecheckInterval"/>); a changed or missing file makes the share <see cref="IsStale"/>, and
/// it is served no more. Thread-safe.
/// </summary>
internal sealed class LocalShare : IPieceSource, IDisposable
{
    /// <summary>How long a successful size/mtime check is trusted.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    private readonly FileStamp[] _stamps;
    private readonly long[] _checkedAt;
    private readonly SafeFileHandle?[] _handles;
    private readonly Lock _sync = new();
    private bool _disposed;
    private volatile bool _stale;

    public LocalShare(ShareLayout layout, string sourcePath, string[] filePaths, FileStamp[] stamps)
    {
        Layout = layout;
        SourcePath = sourcePath;
        FilePaths = filePaths;
        _stamps = stamps;
        _checkedAt = new long[filePaths.Length];
        _handles = new SafeFileHandle?[filePaths.Length];
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
