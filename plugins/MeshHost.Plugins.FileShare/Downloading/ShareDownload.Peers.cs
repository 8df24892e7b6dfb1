using MeshHost.Plugins.FileShare.Content;
using MeshHost.Plugins.FileShare.Protocol;
using MeshHost.Plugins.FileShare.Storage;
using MeshHost.Sdk;

namespace MeshHost.Plugins.FileShare.Downloading;

/// <summary>Pulling pieces from many peers at once.</summary>
internal sealed partial class ShareDownload
{
    // A peer that timed out or was unreachable is not asked again for this long.
    private static readonly TimeSpan PeerCooldown = TimeSpan.FromSeconds(10);

    // How often a peer that holds only some pieces is asked what it holds now.
    private static readonly TimeSpan HaveRefresh = TimeSpan.FromSeconds(2);

    // How long a worker with nothing to ask waits before looking again (a failed chunk or endgame may appear).
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(100);

    private readonly Dictionary<PeerId, PeerSession> _peers = [];
    private readonly HashSet<PeerId> _banned = [];
    private readonly HashSet<PeerId> _contributors = [];
    private readonly Dictionary<PeerId, long> _cooldown = [];
    private int _inFlight;

    private async Task FetchPiecesAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new List<Task>();
        long lastRefresh = long.MinValue;
        long lastFlush = _env.Time.GetTimestamp();
        long lastSample = lastFlush;
        long sampledBytes = VerifiedBytes;
        long noPeersSince = _env.Time.GetTimestamp();
        try
        {
            while (!_finished.Task.IsCompleted)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (_fatal is { } fatal)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fatal);
                }

                long now = _env.Time.GetTimestamp();
                if (lastRefresh == long.MinValue || _env.Time.GetElapsedTime(lastRefresh, now) >= _env.ProviderRefresh || ActivePeers == 0)
                {
                    lastRefresh = now;
                    IReadOnlyList<PeerId> providers = await FindProvidersAsync(stop.Token).ConfigureAwait(false);
                    FileShareLog.ProvidersFound(_env.Logger, Id, providers.Count, ActivePeers);
                    foreach (PeerId peer in providers)
                    {
                        if (TryAddPeer(peer, stop.Token) is { } task)
                        {
                            tasks.Add(task);
                        }
                    }

                    tasks.RemoveAll(t => t.IsCompleted);
                }

                if (ActivePeers > 0)
                {
                    noPeersSince = now;
                }
                else if (_env.Time.GetElapsedTime(noPeersSince, now) >= _env.ProviderSearchTimeout)
                {
                    throw new TimeoutException($"No peer has served {Id} for {_env.ProviderSearchTimeout.TotalSeconds:0} s ({Layout.TotalSize - VerifiedBytes} bytes missing); the providers left or only faulty ones remain.");
                }

                if (_env.Time.GetElapsedTime(lastFlush, now) >= _env.FlushInterval)
                {
                    lastFlush = now;
                    FlushStores();
                }

                TimeSpan sinceSample = _env.Time.GetElapsedTime(lastSample, now);
                if (sinceSample >= TimeSpan.FromMilliseconds(500))
                {
                    long verified = VerifiedBytes;
                    double instant = (verified - sampledBytes) / sinceSample.TotalSeconds;
                    Volatile.Write(ref _rate, _rate == 0 ? instant : (0.6 * _rate) + (0.4 * instant));
                    sampledBytes = verified;
                    lastSample = now;
                }

                lock (_sync)
                {
                    if (_inFlight == 0 && _picker!.Remaining > 0)
                    {
                        _picker.ReopenStalled();
                    }
                }

                await Task.WhenAny(_finished.Task, Task.Delay(TimeSpan.FromMilliseconds(250), _env.Time, stop.Token)).ConfigureAwait(false);
            }

            if (_fatal is { } late)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(late);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30), _env.Time, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException)
            {
                // Workers end on the cancellation; one stuck in a request ends with its request's timeout.
            }
        }
    }

    private Task? TryAddPeer(PeerId peer, CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (_peers.ContainsKey(peer) || _banned.Contains(peer) || _peers.Count >= _env.MaxPeers)
            {
                return null;
            }

            if (_cooldown.TryGetValue(peer, out long until) && _env.Time.GetTimestamp() < until)
            {
                return null;
            }

            var session = new PeerSession(peer, new PeerPieces(NextRandom(Math.Max(1, Layout.PieceCount))), CancellationTokenSource.CreateLinkedTokenSource(cancellationToken));
            _peers.Add(peer, session);
            return RunPeerAsync(session);
        }
    }

    private async Task RunPeerAsync(PeerSession session)
    {
        CancellationToken token = session.Stop.Token;
        try
        {
            if (!await RefreshHaveAsync(session, token).ConfigureAwait(false))
            {
                return;
            }

            var workers = new Task[_env.Options.RequestsInFlightPerPeer];
            for (int i = 0; i < workers.Length; i++)
            {
                workers[i] = RunWorkerAsync(session, token);
            }

            while (!token.IsCancellationRequested && !session.Pieces.Complete && !_finished.Task.IsCompleted)
            {
                await Task.Delay(HaveRefresh, _env.Time, token).ConfigureAwait(false);
                if (!await RefreshHaveAsync(session, token).ConfigureAwait(false))
                {
                    break;
                }
            }

            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Dropped, or the download ended.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            FileShareLog.PeerFailed(_env.Logger, session.Peer.ToShortString(), Id, e);
        }
        finally
        {
            await session.Stop.CancelAsync().ConfigureAwait(false);
            lock (_sync)
            {
                _peers.Remove(session.Peer);
                if (session.Counted)
                {
                    _picker!.RemovePeer(session.Pieces);
                }

                if (_cooldown.Count > 4 * _env.MaxPeers)
                {
                    _cooldown.Clear();
                }
            }

            session.Stop.Dispose();
        }
    }

    /// <summary>Asks the peer what it holds; false (peer dropped) when it no longer serves the share.</summary>
    private async Task<bool> RefreshHaveAsync(PeerSession session, CancellationToken cancellationToken)
    {
        int pieces = Layout.PieceCount;
        byte[] bits = new byte[(pieces + 7) / 8];
        bool complete = false;
        try
        {
            for (int first = 0; first < Math.Max(pieces, 1); first += FileShareProtocol.MaxHaveBytes * 8)
            {
                HaveResponse response = await _env.Channels.Have.RequestAsync(session.Peer, new HaveRequest { Root = Layout.Root, FirstPiece = first }, _env.Options.RequestTimeout, cancellationToken).ConfigureAwait(false);
                if (response.Status != (int)FileShareStatus.Ok)
                {
                    CoolDown(session, $"have: {(FileShareStatus)response.Status}");
                    return false;
                }

                if (response.Complete)
                {
                    complete = true;
                    break;
                }

                byte[] slice = response.Bits ?? [];
                int expected = (Math.Min(pieces - first, FileShareProtocol.MaxHaveBytes * 8) + 7) / 8;
                if (slice.Length != expected)
                {
                    Drop(session, $"a have-bitfield of {slice.Length} bytes where {expected} were due");
                    return false;
                }

                slice.CopyTo(bits.AsSpan(first / 8));
            }
        }
        catch (Exception e) when (e is MeshException or TimeoutException)
        {
            CoolDown(session, e.Message);
            return false;
        }

        lock (_sync)
        {
            if (session.Counted)
            {
                _picker!.RemovePeer(session.Pieces);
            }

            session.Pieces.Complete = complete;
            session.Pieces.Bits = complete ? [] : bits;
            _picker!.AddPeer(session.Pieces);
            session.Counted = true;
        }

        return true;
    }

    private async Task RunWorkerAsync(PeerSession session, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested && !_finished.Task.IsCompleted)
            {
                Chunk chunk;
                lock (_sync)
                {
                    if (!_picker!.TryPick(session.Pieces, out chunk))
                    {
                        chunk = default;
                    }
                    else
                    {
                        _inFlight++;
                    }
                }

                if (chunk.Count == 0)
                {
                    await Task.Delay(IdleWait, _env.Time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                bool failed = true;
                try
                {
                    failed = !await FetchChunkAsync(session, chunk, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    lock (_sync)
                    {
                        _inFlight--;
                        _picker!.Release(chunk, failed);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The peer was dropped or the download ended.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The disk refused a write: the whole download fails (and keeps its part files).
            _fatal ??= e;
            _finished.TrySetResult();
        }
    }

    /// <summary>Asks for one chunk and writes what verifies; false when the chunk must be asked again.</summary>
    private async Task<bool> FetchChunkAsync(PeerSession session, Chunk chunk, CancellationToken cancellationToken)
    {
        ShareLayout layout = Layout;
        MerkleTree tree = layout.Trees[chunk.File];
        int expected = (int)Math.Min((long)chunk.Count * MerkleHash.BlockSize, tree.PieceLength(chunk.Piece) - ((long)chunk.FirstBlock * MerkleHash.BlockSize));
        await _env.DownloadLimit.TakeAsync(expected, cancellationToken).ConfigureAwait(false);

        BlockResponse response;
        try
        {
            var request = new BlockRequest { Root = layout.Root, File = chunk.File, Piece = chunk.Piece, FirstBlock = chunk.FirstBlock, Count = chunk.Count };
            response = await _env.Channels.Blocks.RequestAsync(session.Peer, request, _env.Options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Slow: the chunk goes to others; a peer that keeps timing out is rested.
            if (++session.Timeouts >= 3)
            {
                CoolDown(session, "three requests timed out");
            }

            return false;
        }
        catch (MeshException e)
        {
            CoolDown(session, e.Message);
            return false;
        }

        switch ((FileShareStatus)response.Status)
        {
            case FileShareStatus.Ok:
                break;
            case FileShareStatus.Busy:
                await Task.Delay(TimeSpan.FromMilliseconds(50 + NextRandom(200)), _env.Time, cancellationToken).ConfigureAwait(false);
                return false;
            case FileShareStatus.Unavailable:
                return false;
            default:
                CoolDown(session, $"blocks: {(FileShareStatus)response.Status}");
                return false;
        }

        session.Timeouts = 0;
        byte[] data = response.Data ?? [];
        byte[] proofs = response.Proofs ?? [];
        Interlocked.Add(ref _fetchedBytes, data.Length);
        BlockStore? store = _stores[chunk.File];
        if (store is null)
        {
            return true;
        }

        Span<BlockWriteResult> results = stackalloc BlockWriteResult[FileShareProtocol.MaxBlocksPerRequest];
        results = results[..chunk.Count];
        store.WriteBlocks(tree.BlocksPerPiece * chunk.Piece + chunk.FirstBlock, chunk.Count, data, proofs, results);
        int rejected = 0;
        long written = 0;
        long duplicate = 0;
        for (int i = 0; i < chunk.Count; i++)
        {
            int length = tree.BlockLength((tree.BlocksPerPiece * chunk.Piece) + chunk.FirstBlock + i);
            switch (results[i])
            {
                case BlockWriteResult.Rejected:
                    rejected++;
                    break;
                case BlockWriteResult.Written:
                    written += length;
                    break;
                default:
                    duplicate += length;
                    break;
            }
        }

        Interlocked.Add(ref _verifiedBytes, written);
        Interlocked.Add(ref _wastedBytes, duplicate);
        bool pieceDone = store.HasPiece(chunk.Piece);
        lock (_sync)
        {
            if (written > 0)
            {
                _contributors.Add(session.Peer);
            }

            if (pieceDone && !_picker!.IsDone(chunk.Global))
            {
                _picker.MarkDone(chunk.Global);
                Volatile.Write(ref _pieceDone[chunk.Global], true);
                if (_picker.Remaining == 0)
                {
                    _finished.TrySetResult();
                }
            }
        }

        if (rejected > 0)
        {
            Interlocked.Add(ref _rejectedBlocks, rejected);
            FileShareLog.BlocksRejected(_env.Logger, session.Peer.ToShortString(), Id, rejected);
            // Responses from one peer are verified concurrently: count atomically, and only the
            // response that reaches the limit bans, so a peer is dropped (and counted) once.
            int faults = session.AddFault();
            if (faults == _env.Options.MaxFaultsPerPeer)
            {
                Ban(session, $"{faults} responses with blocks that failed verification");
            }

            return false;
        }

        return true;
    }

    // Request loops of several peers run at once, and Random is not thread-safe: concurrent calls can
    // corrupt its state so that it returns 0 from then on.
    private int NextRandom(int maxExclusive)
    {
        lock (_sync)
        {
            return _random.Next(maxExclusive);
        }
    }

    private void CoolDown(PeerSession session, string reason)
    {
        lock (_sync)
        {
            _cooldown[session.Peer] = _env.Time.GetTimestamp() + (long)(PeerCooldown.TotalSeconds * _env.Time.TimestampFrequency);
        }

        Drop(session, reason);
    }

    private void Ban(PeerSession session, string reason)
    {
        lock (_sync)
        {
            if (_banned.Count < 4096)
            {
                _banned.Add(session.Peer);
            }
        }

        Interlocked.Increment(ref _droppedPeers);
        Drop(session, reason);
    }

    private void Drop(PeerSession session, string reason)
    {
        FileShareLog.PeerDropped(_env.Logger, session.Peer.ToShortString(), Id, reason);
        session.Stop.Cancel();
    }

    /// <summary>One peer being downloaded from.</summary>
    private sealed class PeerSession(PeerId peer, PeerPieces pieces, CancellationTokenSource stop)
    {
        public PeerId Peer { get; } = peer;

        public PeerPieces Pieces { get; } = pieces;

        public CancellationTokenSource Stop { get; } = stop;

        /// <summary>Whether <see cref="Pieces"/> is counted in the picker's availability.</summary>
        public bool Counted { get; set; }

        private int _faults;

        public int AddFault() => Interlocked.Increment(ref _faults);

        public int Timeouts { get; set; }
    }
}
