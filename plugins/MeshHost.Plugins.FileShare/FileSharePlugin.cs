using System.Collections.Concurrent;
using MeshHost.Plugins.FileShare.Content;
using MeshHost.Plugins.FileShare.Downloading;
using MeshHost.Plugins.FileShare.Protocol;
using MeshHost.Plugins.FileShare.Sharing;
using MeshHost.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MeshHost.Plugins.FileShare;

/// <summary>
/// File and folder sharing with verified content (docs/fileshare.md): <c>meshhost share PATH</c> hashes
/// a file or folder into SHA-256 Merkle trees over 16 KiB blocks, serves it in place and announces its
/// root through content routing; <c>meshhost get LINK</c> fetches it from every provider at once,
/// verifying each block before it is written, resumes after a crash, and then seeds it.
/// </summary>
public sealed partial class FileSharePlugin : IMeshPlugin, IControlApiContributor, ICliContributor
{
    /// <summary>The manifest's id.</summary>
    public const string Id = "meshhost.fileshare";

    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _sync = new();
    private readonly Dictionary<string, LocalShare> _shares = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DownloadHandle> _downloads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly ConcurrentDictionary<string, byte[]> _unannounced = new(StringComparer.Ordinal);
    private IPluginContext? _context;
    private FileShareOptions _options = new();
    private FileShareChannels? _channels;
    private ShareServer? _server;
    private RateLimiter? _downloadLimit;
    private string _statePath = "";
    private LeafStore? _leaves;
    private int _seed;
    private int _announcePending;

    /// <inheritdoc/>
    public string Name => "FileShare";

    /// <inheritdoc/>
    public Version Version { get; } = new(1, 0, 0);

    /// <summary>The saved leaf hashes of shared files (null until started).</summary>
    internal LeafStore? Leaves => _leaves;

    /// <summary>What this node uploaded and refused.</summary>
    internal FileShareCounters Counters { get; } = new();

    /// <summary>Settings for tests: how long a download searches before it fails, and how often it looks for providers again.</summary>
    internal TimeSpan ProviderSearchTimeout { get; set; } = TimeSpan.FromSeconds(60);

    private IPluginContext Context => _context ?? throw new InvalidOperationException("The file-share plugin is not started.");

    /// <inheritdoc/>
    public void ConfigureServices(IServiceCollection services, IConfiguration configuration) =>
        services.AddSingleton(FileShareOptions.From(configuration));

    /// <inheritdoc/>
    public Task StartAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        _context = context;
        _options = context.Services.GetRequiredService<FileShareOptions>();
        _downloadLimit = new RateLimiter(context.Time, _options.MaxDownloadBytesPerSecond);
        _server = new ShareServer(FindSource, _options, new RateLimiter(context.Time, _options.MaxUploadBytesPerSecond), Counters);
        _channels = new FileShareChannels(
            context.OpenRequestChannel<MetadataRequest, MetadataResponse>(FileShareProtocol.MetadataChannel),
            context.OpenRequestChannel<HaveRequest, HaveResponse>(FileShareProtocol.HaveChannel),
            context.OpenRequestChannel<BlockRequest, BlockResponse>(FileShareProtocol.BlockChannel));
        _channels.Metadata.Handle(_server.OnMetadataAsync);
        _channels.Have.Handle(_server.OnHaveAsync);
        _channels.Blocks.Handle(_server.OnBlocksAsync);
        _statePath = Path.Combine(context.DataDirectory, PersistedState.FileName);
        _leaves = new LeafStore(Path.Combine(context.DataDirectory, LeavesFolder));
        _seed = context.LocalId.GetHashCode();
        context.Peers.PeerJoined += OnPeerJoined;
        Restore(PersistedState.Load(_statePath));
        PruneLeaves(temporaryToo: true);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_context is { } context)
        {
            context.Peers.PeerJoined -= OnPeerJoined;
        }

        DownloadHandle[] downloads;
        lock (_sync)
        {
            downloads = [.. _downloads.Values];
        }

        foreach (DownloadHandle handle in downloads)
        {
            await handle.Stop.CancelAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_running.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_sync)
        {
            foreach (LocalShare share in _shares.Values)
            {
                share.Dispose();
            }

            _shares.Clear();
        }

        _channels?.Metadata.Dispose();
        _channels?.Have.Dispose();
        _channels?.Blocks.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Hashes <paramref name="path"/> (a file or a folder), serves it in place from now on and announces it.</summary>
    /// <returns>The share and its link.</returns>
    /// <exception cref="FileNotFoundException">Nothing is at the path.</exception>
    /// <exception cref="InvalidDataException">The folder is empty, too large, or holds a name the format refuses.</exception>
    /// <exception cref="IOException">A file could not be read.</exception>
    internal async Task<(LocalShare Share, ShareLink Link)> ShareAsync(string path, CancellationToken cancellationToken)
    {
        LocalShare share = await ShareBuilder.BuildAsync(path, cancellationToken, _leaves).ConfigureAwait(false);
        share.Time = Context.Time;
        ShareLayout layout = share.Layout;
        lock (_sync)
        {
            if (!_shares.ContainsKey(layout.RootHex) && _shares.Count >= PersistedState.MaxEntries)
            {
                share.Dispose();
                throw new InvalidOperationException($"This node already serves {PersistedState.MaxEntries} shares; stop one first ('meshhost files stop ID').");
            }

            if (_shares.Remove(layout.RootHex, out LocalShare? old))
            {
                old.Dispose();
            }

            _shares[layout.RootHex] = share;
            SaveState();
        }

        FileShareLog.Shared(Context.Logger, layout.Metadata.Name, layout.TotalSize, layout.Trees.Length, layout.RootHex);

        // Announced before the link is handed out, so a 'get' started right after finds this node.
        Task announce = Track(ProvideAsync(layout.Root, layout.RootHex));
        try
        {
            await announce.WaitAsync(AnnounceWait, Context.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Slow DHT: the announcement carries on in the background.
        }

        return (share, ShareLink.Create(layout.Root, layout.Metadata.Name, layout.TotalSize));
    }

    /// <summary>The folder in the plugin's data directory that holds the saved leaf hashes (<see cref="LeafStore"/>).</summary>
    internal const string LeavesFolder = "leaves";

    /// <summary>How long <c>share</c> waits for the first announcement before it prints the link anyway.</summary>
    internal static readonly TimeSpan AnnounceWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Starts (or resumes) fetching <paramref name="link"/> into <paramref name="outputDirectory"/>; a
    /// download of the same share already known is returned (and restarted if it had stopped or failed).
    /// </summary>
    internal ShareDownload StartDownload(ShareLink link, string outputDirectory)
    {
        string id = Convert.ToHexStringLower(link.Root);
        lock (_sync)
        {
            if (_downloads.TryGetValue(id, out DownloadHandle? existing))
            {
                if (existing.Download.State is DownloadState.Searching or DownloadState.Downloading or DownloadState.Complete)
                {
                    return existing.Download;
                }

                // Stopped or failed: resume it where it was, with the metadata it already verified.
                _downloads.Remove(id);
                existing.Stop.Dispose();
                return Launch(existing.Entry with { Stopped = false });
            }

            if (_downloads.Count >= _options.MaxDownloads * 4)
            {
                RemoveFinishedDownloads();
            }

            byte[]? metadata = _shares.TryGetValue(id, out LocalShare? shared) ? shared.Layout.Encoded : null;
            return Launch(new DownloadEntry { Link = link.ToString(), OutputDirectory = Path.GetFullPath(outputDirectory), Metadata = metadata ?? [] });
        }
    }

    /// <summary>Stops a download (keeping its part files for a later resume) or stops serving a share.</summary>
    /// <returns>False when the id is neither.</returns>
    internal async Task<bool> StopAsync(string id)
    {
        DownloadHandle? handle;
        LocalShare? share;
        lock (_sync)
        {
            _downloads.TryGetValue(id, out handle);
            _shares.Remove(id, out share);
        }

        if (handle is not null)
        {
            await handle.Stop.CancelAsync().ConfigureAwait(false);
            await handle.Task.WaitAsync(TimeSpan.FromSeconds(30), Context.Time, CancellationToken.None).ConfigureAwait(false);
            lock (_sync)
            {
                handle.Stopped = true;
                SaveState();
            }
        }

        if (share is not null)
        {
            share.Dispose();
            Context.Content.StopProviding(share.Layout.Root);
            lock (_sync)
            {
                SaveState();
            }

            PruneLeaves(temporaryToo: false);
        }

        return handle is not null || share is not null;
    }

    /// <summary>The download of share <paramref name="id"/>, if any.</summary>
    internal ShareDownload? FindDownload(string id)
    {
        lock (_sync)
        {
            return _downloads.TryGetValue(id, out DownloadHandle? handle) ? handle.Download : null;
        }
    }

    /// <summary>The shares served in place, by root.</summary>
    internal IReadOnlyList<LocalShare> Shares()
    {
        lock (_sync)
        {
            return [.. _shares.Values];
        }
    }

    /// <summary>The downloads known (running, stopped, failed, complete).</summary>
    internal IReadOnlyList<ShareDownload> Downloads()
    {
        lock (_sync)
        {
            return [.. _downloads.Values.Select(d => d.Download)];
        }
    }

    private IPieceSource? FindSource(string rootHex)
    {
        lock (_sync)
        {
            if (_shares.TryGetValue(rootHex, out LocalShare? share))
            {
                if (!share.IsStale)
                {
                    return share;
                }
            }

            return _downloads.TryGetValue(rootHex, out DownloadHandle? handle) && handle.Download.HasMetadata ? handle.Download : null;
        }
    }

    // Leaf files of files no share serves any more go; so do those an interrupted hashing left, at start.
    private void PruneLeaves(bool temporaryToo)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        lock (_sync)
        {
            foreach (LocalShare share in _shares.Values)
            {
                foreach (MerkleTree tree in share.Layout.Trees)
                {
                    keep.Add(Convert.ToHexStringLower(tree.Root));
                }
            }
        }

        _leaves?.Prune(keep, temporaryToo);
    }

    private void Restore(PersistedState state)
    {
        lock (_sync)
        {
            foreach (SharedEntry entry in state.Shares)
            {
                try
                {
                    ShareLayout layout = ShareLayout.Decode(entry.Metadata, ShareCodec.ComputeRoot(entry.Metadata));
                    if (entry.Paths.Length != layout.Trees.Length || entry.Sizes.Length != entry.Paths.Length || entry.WriteTicks.Length != entry.Paths.Length)
                    {
                        throw new InvalidDataException("its file list does not match its metadata");
                    }

                    var stamps = new FileStamp[entry.Paths.Length];
                    for (int i = 0; i < stamps.Length; i++)
                    {
                        stamps[i] = new FileStamp(entry.Sizes[i], entry.WriteTicks[i]);
                    }

                    var share = new LocalShare(layout, entry.Source, entry.Paths, stamps, _leaves) { Time = Context.Time };
                    _shares[layout.RootHex] = share;
                    if (share.Recheck())
                    {
                        Provide(layout.Root);
                    }
                    else
                    {
                        FileShareLog.ShareStale(Context.Logger, layout.RootHex, entry.Source);
                    }
                }
                catch (InvalidDataException e)
                {
                    FileShareLog.StateEntrySkipped(Context.Logger, e.Message);
                }
            }

            foreach (DownloadEntry entry in state.Downloads)
            {
                try
                {
                    ShareLink link = ShareLink.Parse(entry.Link);
                    DownloadHandle handle = entry.Stopped ? Idle(link, entry) : _downloads[Launch(entry).Id];
                    handle.Stopped = entry.Stopped;
                }
                catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentException)
                {
                    FileShareLog.StateEntrySkipped(Context.Logger, e.Message);
                }
            }
        }
    }

    // A stopped download is listed (and resumable) without running.
    private DownloadHandle Idle(ShareLink link, DownloadEntry entry)
    {
        var download = new ShareDownload(link, entry.OutputDirectory, entry.Metadata, Environment(), _seed);
        var handle = new DownloadHandle(download, new CancellationTokenSource(), Task.CompletedTask) { Entry = entry, Stopped = true };
        _downloads[download.Id] = handle;
        return handle;
    }

    private ShareDownload Launch(DownloadEntry entry)
    {
        ShareLink link = ShareLink.Parse(entry.Link);
        var download = new ShareDownload(link, entry.OutputDirectory, entry.Metadata.Length > 0 ? entry.Metadata : null, Environment(), _seed);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var handle = new DownloadHandle(download, stop, Task.CompletedTask) { Entry = entry };
        download.MetadataVerified += OnMetadataVerified;
        _downloads[download.Id] = handle;
        SaveState();
        FileShareLog.DownloadStarted(Context.Logger, link.Name, download.Id, download.OutputDirectory);
        handle.Task = Track(RunDownloadAsync(handle));
        return download;
    }

    private async Task RunDownloadAsync(DownloadHandle handle)
    {
        ShareDownload download = handle.Download;
        await Task.Yield();
        await download.RunAsync(handle.Stop.Token).ConfigureAwait(false);
        if (download.State == DownloadState.Complete)
        {
            // Seed from the final files, in place, like a share made here.
            string[] paths = download.TargetPaths();
            var stamps = new FileStamp[paths.Length];
            for (int i = 0; i < paths.Length; i++)
            {
                stamps[i] = FileStamp.Of(paths[i]);
            }

            ShareLayout layout = download.Layout;
            string source = Path.Combine(download.OutputDirectory, layout.Metadata.Name);
            var share = new LocalShare(layout, source, paths, stamps, _leaves) { Time = Context.Time };
            lock (_sync)
            {
                if (_shares.Remove(layout.RootHex, out LocalShare? old))
                {
                    old.Dispose();
                }

                _shares[layout.RootHex] = share;
                SaveState();
            }

            Provide(layout.Root);
        }
        else
        {
            lock (_sync)
            {
                SaveState();
            }
        }
    }

    private void OnMetadataVerified(ShareDownload download)
    {
        lock (_sync)
        {
            if (_downloads.TryGetValue(download.Id, out DownloadHandle? handle))
            {
                handle.Entry = handle.Entry with { Metadata = download.Layout.Encoded };
                SaveState();
            }
        }

        // Announce at once: peers may fetch the pieces this node already holds (have-bitfields).
        Provide(download.Layout.Root);
    }

    private DownloadEnvironment Environment() =>
        new(_channels!, Context.Content, Context.Time, Context.Logger, _options, _downloadLimit!) { ProviderSearchTimeout = ProviderSearchTimeout };

    private void Provide(byte[] root)
    {
        string hex = Convert.ToHexStringLower(root);
        Track(ProvideAsync(root, hex));
    }

    private async Task ProvideAsync(byte[] root, string hex)
    {
        try
        {
            if (await Context.Content.ProvideAsync(root, _stopping.Token).ConfigureAwait(false) <= 1)
            {
                // Stored nowhere, or only in this node's own store (it knew no other node yet): announce again
                // as soon as a peer joins, rather than at the next republish, which may be an hour away.
                _unannounced[hex] = root;
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception e) when (e is MeshException or TimeoutException or InvalidOperationException)
        {
            FileShareLog.ProvideFailed(Context.Logger, hex, e.Message);
        }
    }

    private void OnPeerJoined(PeerId peer)
    {
        if (_stopping.IsCancellationRequested || Interlocked.Exchange(ref _announcePending, 1) == 1)
        {
            return;
        }

        Track(ReannounceAsync());
    }

    /// <summary>
    /// Announces again, shortly after a peer joined (several joins in a row make one pass): the DHT does
    /// not copy records to a node that joins among a key's closest, and a lookup that reaches it first
    /// would find only the providers that announced after it joined. Every root is announced again when
    /// there are at most <see cref="MaxReannounced"/> of them; otherwise only those stored nowhere else.
    /// </summary>
    private async Task ReannounceAsync()
    {
        try
        {
            await Task.Delay(ReannounceDelay, Context.Time, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        finally
        {
            Volatile.Write(ref _announcePending, 0);
        }

        var roots = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, byte[]> pending in _unannounced)
        {
            if (_unannounced.TryRemove(pending.Key, out byte[]? root))
            {
                roots[pending.Key] = root;
            }
        }

        lock (_sync)
        {
            if (_shares.Count + _downloads.Count <= MaxReannounced)
            {
                foreach (LocalShare share in _shares.Values)
                {
                    roots[share.Layout.RootHex] = share.Layout.Root;
                }

                foreach (DownloadHandle handle in _downloads.Values)
                {
                    if (handle.Download.HasMetadata && handle.Download.State is DownloadState.Downloading or DownloadState.Complete)
                    {
                        roots[handle.Download.Id] = handle.Download.Layout.Root;
                    }
                }
            }
        }

        foreach (KeyValuePair<string, byte[]> root in roots)
        {
            await ProvideAsync(root.Value, root.Key).ConfigureAwait(false);
        }
    }

    /// <summary>How long after a peer joined the roots are announced again.</summary>
    internal static readonly TimeSpan ReannounceDelay = TimeSpan.FromSeconds(1);

    /// <summary>Up to this many shares and downloads, all are announced again when a peer joins.</summary>
    internal const int MaxReannounced = 64;

    private Task Track(Task task)
    {
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(
            (t, state) =>
            {
                var self = (FileSharePlugin)state!;
                self._running.TryRemove(t, out _);
                if (t.Exception is { } e)
                {
                    FileShareLog.BackgroundFailed(self.Context.Logger, e);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return task;
    }

    private void RemoveFinishedDownloads()
    {
        foreach (KeyValuePair<string, DownloadHandle> pair in _downloads.ToArray())
        {
            if (pair.Value.Download.State == DownloadState.Complete)
            {
                _downloads.Remove(pair.Key);
            }
        }
    }

    // Called under _sync.
    private void SaveState()
    {
        var state = new PersistedState();
        foreach (LocalShare share in _shares.Values)
        {
            state.Shares.Add(new SharedEntry
            {
                Source = share.SourcePath,
                Metadata = share.Layout.Encoded,
                Paths = share.FilePaths,
                Sizes = [.. share.Stamps.Select(s => s.Size)],
                WriteTicks = [.. share.Stamps.Select(s => s.LastWriteTicks)],
            });
        }

        foreach (DownloadHandle handle in _downloads.Values)
        {
            if (handle.Download.State != DownloadState.Complete)
            {
                state.Downloads.Add(handle.Entry with { Stopped = handle.Stopped });
            }
        }

        state.Save(_statePath);
    }

    /// <summary>A download and what runs it.</summary>
    private sealed class DownloadHandle(ShareDownload download, CancellationTokenSource stop, Task task)
    {
        public ShareDownload Download { get; } = download;

        public CancellationTokenSource Stop { get; } = stop;

        public Task Task { get; set; } = task;

        public DownloadEntry Entry { get; set; } = new();

        /// <summary>Stopped by the user: not restarted when the plugin starts.</summary>
        public bool Stopped { get; set; }
    }
}
