using MeshHost.Plugins.FileShare.Content;

namespace MeshHost.Plugins.FileShare.Downloading;

/// <summary>
/// Chooses what to ask each peer for (docs/fileshare.md, "Piece picking"): chunks that failed first
/// (asked elsewhere), then the rarest piece the peer holds, scanning from the peer's own cursor (a random
/// start, so peers begin on different pieces), handing out a piece's chunks in order; and once every
/// missing piece is asked for, endgame: one duplicate request per piece still in flight, so the last
/// pieces do not wait on the slowest peer. Not thread-safe: the download calls it under its lock.
/// </summary>
internal sealed class PiecePicker
{
    private readonly ShareLayout _layout;
    private readonly int _blocksPerRequest;
    private readonly bool[] _done;
    private readonly int[] _nextBlock;
    private readonly int[] _inFlight;
    private readonly int[] _duplicates;
    private readonly int[] _partialAvailability;
    private readonly Queue<Chunk> _retry = new();
    private int _completePeers;
    private int _remaining;
    private int _minimumHint;

    private readonly Func<int, int> _firstMissingBlock;

    /// <param name="layout">The share.</param>
    /// <param name="blocksPerRequest">The most blocks per chunk.</param>
    /// <param name="alreadyDone">Whether a piece is verified already (a resumed download).</param>
    /// <param name="firstMissingBlock">The first block of a piece not yet verified (for endgame duplicates).</param>
    public PiecePicker(ShareLayout layout, int blocksPerRequest, Func<int, bool> alreadyDone, Func<int, int> firstMissingBlock)
    {
        _firstMissingBlock = firstMissingBlock;
        _layout = layout;
        _blocksPerRequest = blocksPerRequest;
        int pieces = layout.PieceCount;
        _done = new bool[pieces];
        _nextBlock = new int[pieces];
        _inFlight = new int[pieces];
        _duplicates = new int[pieces];
        _partialAvailability = new int[pieces];
        for (int global = 0; global < pieces; global++)
        {
            _done[global] = alreadyDone(global);
            if (!_done[global])
            {
                _remaining++;
            }
        }
    }

    /// <summary>Pieces not yet verified.</summary>
    public int Remaining => _remaining;

    public bool IsDone(int global) => _done[global];

    /// <summary>Counts a peer's pieces into the availability (call <see cref="RemovePeer"/> with the same view to undo).</summary>
    public void AddPeer(PeerPieces peer)
    {
        _minimumHint = 0;
        if (peer.Complete)
        {
            _completePeers++;
            return;
        }

        for (int global = 0; global < _done.Length; global++)
        {
            if (peer.Has(global))
            {
                _partialAvailability[global]++;
            }
        }
    }

    public void RemovePeer(PeerPieces peer)
    {
        _minimumHint = 0;
        if (peer.Complete)
        {
            _completePeers--;
            return;
        }

        for (int global = 0; global < _done.Length; global++)
        {
            if (peer.Has(global))
            {
                _partialAvailability[global]--;
            }
        }
    }

    /// <summary>Picks the next chunk to ask <paramref name="peer"/> for; false when it holds nothing still wanted.</summary>
    public bool TryPick(PeerPieces peer, out Chunk chunk)
    {
        // Chunks that failed elsewhere come first, so a bad or slow peer's share is soon fetched by others.
        for (int tries = _retry.Count; tries > 0; tries--)
        {
            Chunk retry = _retry.Dequeue();
            if (_done[retry.Global])
            {
                continue;
            }

            if (peer.Has(retry.Global))
            {
                _inFlight[retry.Global]++;
                chunk = retry with { Duplicate = false };
                return true;
            }

            _retry.Enqueue(retry);
        }

        int pieces = _done.Length;
        if (pieces > 0 && TryPickFresh(peer, out chunk))
        {
            return true;
        }

        // Endgame: everything missing is asked for; ask this peer too for a piece still in flight.
        for (int i = 0; i < pieces; i++)
        {
            int global = (peer.Cursor + i) % pieces;
            if (!_done[global] && _inFlight[global] > 0 && _duplicates[global] == 0 && peer.Has(global))
            {
                _duplicates[global]++;
                (int file, int piece) = _layout.Locate(global);
                int first = _firstMissingBlock(global);
                chunk = new Chunk(global, file, piece, first, Math.Min(_blocksPerRequest, _layout.Trees[file].BlocksInPiece(piece) - first), Duplicate: true);
                return true;
            }
        }

        chunk = default;
        return false;
    }

    /// <summary>A chunk's request ended; <paramref name="failed"/> puts it back to be asked again (of another peer first).</summary>
    public void Release(Chunk chunk, bool failed)
    {
        if (chunk.Duplicate)
        {
            _duplicates[chunk.Global]--;
            return;
        }

        _inFlight[chunk.Global]--;
        if (failed && !_done[chunk.Global])
        {
            _retry.Enqueue(chunk);
        }
    }

    /// <summary>Records that every block of piece <paramref name="global"/> is verified.</summary>
    public void MarkDone(int global)
    {
        if (!_done[global])
        {
            _done[global] = true;
            _remaining--;
        }
    }

    private bool TryPickFresh(PeerPieces peer, out Chunk chunk)
    {
        // Rarest first, cheaply: take the first wanted piece from the cursor whose availability is at most
        // the hint (the last minimum seen), or a piece already started; otherwise the rarest found in a full
        // scan, which becomes the new hint. With only seeders every pick ends at the first candidate.
        int pieces = _done.Length;
        int best = -1;
        int bestAvailability = int.MaxValue;
        for (int i = 0; i < pieces; i++)
        {
            int global = (peer.Cursor + i) % pieces;
            if (_done[global] || _nextBlock[global] >= BlocksIn(global) || !peer.Has(global))
            {
                continue;
            }

            int availability = _completePeers + _partialAvailability[global];
            if (availability <= _minimumHint || _nextBlock[global] > 0)
            {
                best = global;
                bestAvailability = int.MaxValue;
                break;
            }

            if (availability < bestAvailability)
            {
                best = global;
                bestAvailability = availability;
            }
        }

        if (best < 0)
        {
            chunk = default;
            return false;
        }

        if (bestAvailability != int.MaxValue)
        {
            _minimumHint = bestAvailability;
        }

        chunk = Take(best);
        peer.Cursor = best;
        return true;
    }

    /// <summary>
    /// Hands out again every missing piece that nothing is fetching (its chunks were all answered, yet a
    /// block is still missing): the download calls it when no peer has a request in flight.
    /// </summary>
    public void ReopenStalled()
    {
        _retry.Clear();
        for (int global = 0; global < _done.Length; global++)
        {
            if (!_done[global] && _inFlight[global] == 0 && _duplicates[global] == 0)
            {
                _nextBlock[global] = 0;
            }
        }
    }

    private Chunk Take(int global)
    {
        (int file, int piece) = _layout.Locate(global);
        int blocks = _layout.Trees[file].BlocksInPiece(piece);
        int first = _nextBlock[global];
        int count = Math.Min(_blocksPerRequest, blocks - first);
        _nextBlock[global] = first + count;
        _inFlight[global]++;
        return new Chunk(global, file, piece, first, count, Duplicate: false);
    }

    private int BlocksIn(int global)
    {
        (int file, int piece) = _layout.Locate(global);
        return _layout.Trees[file].BlocksInPiece(piece);
    }
}
