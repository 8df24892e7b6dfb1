using MeshHost.Plugins.FileShare.Content;
using MeshHost.Plugins.FileShare.Sharing;
using MeshHost.Plugins.FileShare.Storage;
using MeshHost.Sdk;

namespace MeshHost.Plugins.FileShare.Downloading;

/// <summary>
/// One share being fetched (docs/fileshare.md, "Downloading"): providers found through content routing,
/// the metadata fetched from any of them and verified against the link's root, then pieces pulled from
/// many peers at once, every 16 KiB block verified against its proof before it is written to the file's
/// <c>.meshpart</c>, which is renamed to its final name only when whole. While it runs it serves the
/// pieces it holds (it is an <see cref="IPieceSource"/>). Thread-safe.
/// </summary>
internal sealed partial class ShareDownload : IPieceSource
{
    private readonly DownloadEnvironment _env;
    private readonly Lock _sync = new();
    private readonly Random _random;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ShareLayout? _layout;
    private BlockStore?[] _stores = [];
    private bool[] _pieceDone = [];
    private PiecePicker? _picker;
    private DownloadState _state = DownloadState.Searching;
    private string? _error;
    private long _verifiedBytes;
    private long _resumedBytes;
    private long _fetchedBytes;
    private long _rejectedBlocks;
    private long _wastedBytes;
    private int _droppedPeers;
    private long _startedAt;
    private long _endedAt;
    private double _rate;
    private Exception? _fatal;

    public ShareDownload(ShareLink link, string outputDirectory, byte[]? metadata, DownloadEnvironment environment, int seed)
    {
        Link = link;
        OutputDirectory = Path.GetFullPath(outputDirectory);
        _env = environment;
        _random = new Random(seed);
        if (metadata is { Length: > 0 })
        {
            _layout = ShareLayout.Decode(metadata, link.Root.ToArray());
        }
    }

    public ShareLink Link { get; }

    /// <summary>The root as 64 hex digits: the download's id.</summary>
    public string Id => Convert.ToHexStringLower(Link.Root);

    public string OutputDirectory { get; }

    /// <summary>Raised once the metadata is verified (the plugin saves it and starts announcing).</summary>
    public event Action<ShareDownload>? MetadataVerified;

    /// <summary>The verified share; throws before the metadata is known.</summary>
    public ShareLayout Layout => _layout ?? throw new InvalidOperationException("The metadata is not fetched yet.");

    public bool HasMetadata => _layout is not null;

    public DownloadState State => _state;

    /// <summary>Why it failed, for people.</summary>
    public string? Error => _error;

    public bool IsComplete => _state == DownloadState.Complete;

    /// <summary>Bytes verified on disk, including what a resume found.</summary>
    public long VerifiedBytes => Interlocked.Read(ref _verifiedBytes);

    /// <summary>Bytes found verified on disk when this run started (not fetched again).</summary>
    public long ResumedBytes => Interlocked.Read(ref _resumedBytes);

    /// <summary>Block bytes received this run (verified or not).</summary>
    public long FetchedBytes => Interlocked.Read(ref _fetchedBytes);

    /// <summary>Blocks that failed verification.</summary>
    public long RejectedBlocks => Interlocked.Read(ref _rejectedBlocks);

    /// <summary>Verified bytes received twice (endgame duplicates).</summary>
    public long WastedBytes => Interlocked.Read(ref _wastedBytes);

    /// <summary>Peers dropped for faults.</summary>
    public int DroppedPeers => Volatile.Read(ref _droppedPeers);

    /// <summary>Peers being downloaded from now.</summary>
    public int ActivePeers
    {
        get
        {
            lock (_sync)
            {
                return _peers.Count;
            }
        }
    }

    /// <summary>Every peer that sent at least one verified block this run.</summary>
    public int ContributingPeers
    {
        get
        {
            lock (_sync)
            {
                return _contributors.Count;
            }
        }
    }

    /// <summary>Verified bytes per second, smoothed over the last seconds.</summary>
    public double BytesPerSecond => Volatile.Read(ref _rate);

    /// <summary>Time from start to completion (or to now).</summary>
    public TimeSpan Elapsed => _startedAt == 0 ? TimeSpan.Zero
        : _endedAt != 0 ? _env.Time.GetElapsedTime(_startedAt, _endedAt) : _env.Time.GetElapsedTime(_startedAt);

    /// <summary>The absolute path each file is written to, in metadata order.</summary>
    public string[] TargetPaths()
    {
        ShareFile[] files = Layout.Metadata.Files;
        string[] paths = new string[files.Length];
        for (int i = 0; i < files.Length; i++)
        {
            paths[i] = Path.Combine(OutputDirectory, files[i].Path.Replace('/', Path.DirectorySeparatorChar));
        }

        return paths;
    }

    public bool HasPiece(int global)
    {
        bool[] done = Volatile.Read(ref _pieceDone);
        return (uint)global < (uint)done.Length && Volatile.Read(ref done[global]);
    }

    public bool TryReadPiece(int file, int piece, Span<byte> destination)
    {
        if (_layout is not { } layout || !HasPiece(layout.GlobalPiece(file, piece)) || Volatile.Read(ref _stores)[file] is not { } store)
        {
            return false;
        }

        try
        {
            store.ReadRange((long)piece * layout.Trees[file].PieceSize, destination);
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Runs the download until it is complete, fails, or <paramref name="cancellationToken"/> stops it (state Stopped).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _startedAt = _env.Time.GetTimestamp();
        _state = DownloadState.Searching;
        try
        {
            if (_layout is null)
            {
                _layout = await FetchMetadataAsync(cancellationToken).ConfigureAwait(false);
            }

            MetadataVerified?.Invoke(this);
            OpenStores();
            _state = DownloadState.Downloading;
            if (_picker!.Remaining > 0)
            {
                await FetchPiecesAsync(cancellationToken).ConfigureAwait(false);
            }

            CompleteStores();
            _endedAt = _env.Time.GetTimestamp();
            _state = DownloadState.Complete;
            FileShareLog.DownloadComplete(_env.Logger, Layout.Metadata.Name, Id, Layout.TotalSize);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _state = DownloadState.Stopped;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or TimeoutException)
        {
            Fail(e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug, not a condition: still end in a state the CLI reports, rather than "downloading" forever.
            FileShareLog.BackgroundFailed(_env.Logger, e);
            Fail(e);
        }
        finally
        {
            _endedAt = _env.Time.GetTimestamp();
            CloseStores();
        }
    }

    private void Fail(Exception e)
    {
        _error = Describe(e);
        _state = DownloadState.Failed;
        FileShareLog.DownloadFailed(_env.Logger, Id, _error);
    }

    /// <summary>Says what went wrong in a way that tells the user what to do, and that the partial download is kept.</summary>
    private string Describe(Exception e)
    {
        const string kept = " The partial download is kept: fix this and run the same 'meshhost get' again to resume.";
        return e switch
        {
            UnauthorizedAccessException => $"Permission denied writing into '{OutputDirectory}': {e.Message}{kept}",
            IOException when IsDiskFull(e) => $"The disk is full: {e.Message}{kept}",
            IOException => $"{e.Message}{kept}",
            _ => e.Message,
        };
    }

    private static bool IsDiskFull(Exception e) =>
        (e.HResult & 0xFFFF) is 28 or 112 || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    private void OpenStores()
    {
        ShareLayout layout = Layout;
        string[] targets = TargetPaths();
        var stores = new BlockStore?[targets.Length];
        var done = new bool[layout.PieceCount];
        try
        {
            for (int i = 0; i < targets.Length; i++)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(targets[i])!);
                MerkleTree tree = layout.Trees[i];
                if (File.Exists(targets[i]))
                {
                    // Written completely by an earlier run that stopped before the rest: keep it if it is this file.
                    if (!IsSameFile(targets[i], tree, layout.Metadata.PieceSize))
                    {
                        throw new IOException($"'{targets[i]}' already exists and is not the file of this share: move it away, or download into another folder (-o).");
                    }

                    for (int piece = 0; piece < tree.PieceCount; piece++)
                    {
                        done[layout.GlobalPiece(i, piece)] = true;
                    }

                    _verifiedBytes += tree.Size;
                    continue;
                }

                BlockStore store = BlockStore.Open(targets[i], tree, _env.Options.DirectWrites);
                stores[i] = store;
                for (int piece = 0; piece < tree.PieceCount; piece++)
                {
                    if (store.HasPiece(piece))
                    {
                        done[layout.GlobalPiece(i, piece)] = true;
                    }
                }

                _verifiedBytes += VerifiedBytesOf(store);
            }
        }
        catch
        {
            foreach (BlockStore? store in stores)
            {
                store?.Dispose();
            }

            throw;
        }

        _resumedBytes = _verifiedBytes;
        _stores = stores;
        _pieceDone = done;
        _picker = new PiecePicker(layout, _env.Options.BlocksPerRequest, global => done[global], FirstMissingBlock);
    }

    private static bool IsSameFile(string path, MerkleTree tree, int pieceSize)
    {
        if (new FileInfo(path).Length != tree.Size)
        {
            return false;
        }

        MerkleTree actual = MerkleTree.HashFileAsync(path, pieceSize, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return actual.Root.SequenceEqual(tree.Root);
    }

    private static long VerifiedBytesOf(BlockStore store)
    {
        MerkleTree tree = store.Tree;
        if (store.IsComplete)
        {
            return tree.Size;
        }

        long bytes = 0;
        for (int block = 0; block < tree.BlockCount; block++)
        {
            if (store.HasBlock(block))
            {
                bytes += tree.BlockLength(block);
            }
        }

        return bytes;
    }

    private int FirstMissingBlock(int global)
    {
        (int file, int piece) = Layout.Locate(global);
        MerkleTree tree = Layout.Trees[file];
        int first = piece * tree.BlocksPerPiece;
        int count = tree.BlocksInPiece(piece);
        BlockStore? store = _stores[file];
        for (int block = first; block < first + count; block++)
        {
            if (store is null || !store.HasBlock(block))
            {
                return block - first;
            }
        }

        return 0;
    }

    private void FlushStores()
    {
        foreach (BlockStore? store in _stores)
        {
            store?.Flush();
        }
    }

    private void CompleteStores()
    {
        BlockStore?[] stores = _stores;
        for (int i = 0; i < stores.Length; i++)
        {
            if (stores[i] is { } store)
            {
                store.Complete();
            }
        }
    }

    private void CloseStores()
    {
        foreach (BlockStore? store in _stores)
        {
            if (store is null)
            {
                continue;
            }

            try
            {
                store.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
                // Closed by Complete, or the disk refused even the sidecar: what was flushed before stays valid.
            }

            store.Dispose();
        }
    }
}
