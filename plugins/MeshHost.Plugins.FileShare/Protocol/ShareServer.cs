using System.Buffers;
using MeshHost.Plugins.FileShare.Content;
using MeshHost.Plugins.FileShare.Sharing;
using MeshHost.Sdk;

namespace MeshHost.Plugins.FileShare.Protocol;

/// <summary>
/// The seeding side of the protocol: answers metadata, have and block requests from whatever
/// <see cref="IPieceSource"/> the plugin holds for the root. Every field of a request is checked before
/// use; a bad one is answered <see cref="FileShareStatus.BadRequest"/> and counted. Uploads are bounded
/// by peers served at once, requests in progress per peer, and the upload rate. Thread-safe.
/// </summary>
internal sealed class ShareServer
{
    private readonly Func<string, IPieceSource?> _find;
    private readonly FileShareOptions _options;
    private readonly RateLimiter _upload;
    private readonly FileShareCounters _counters;
    private readonly Lock _sync = new();
    private readonly Dictionary<PeerId, int> _inProgress = [];

    public ShareServer(Func<string, IPieceSource?> find, FileShareOptions options, RateLimiter upload, FileShareCounters counters)
    {
        _find = find;
        _options = options;
        _upload = upload;
        _counters = counters;
    }

    public ValueTask<MetadataResponse> OnMetadataAsync(PeerId from, MetadataRequest request, CancellationToken cancellationToken)
    {
        if (Find(request.Root) is not { } source)
        {
            return ValueTask.FromResult(new MetadataResponse { Status = (int)FileShareStatus.NotFound });
        }

        byte[] encoded = source.Layout.Encoded;
        if (request.Offset < 0 || request.Offset > encoded.Length)
        {
            return ValueTask.FromResult(Bad<MetadataResponse>(new MetadataResponse { Status = (int)FileShareStatus.BadRequest }));
        }

        int length = Math.Min(FileShareProtocol.MaxMetadataSlice, encoded.Length - request.Offset);
        return ValueTask.FromResult(new MetadataResponse
        {
            Status = (int)FileShareStatus.Ok,
            TotalLength = encoded.Length,
            Data = encoded.AsSpan(request.Offset, length).ToArray(),
        });
    }

    public ValueTask<HaveResponse> OnHaveAsync(PeerId from, HaveRequest request, CancellationToken cancellationToken)
    {
        if (Find(request.Root) is not { } source)
        {
            return ValueTask.FromResult(new HaveResponse { Status = (int)FileShareStatus.NotFound });
        }

        if (source.IsComplete)
        {
            return ValueTask.FromResult(new HaveResponse { Status = (int)FileShareStatus.Ok, Complete = true });
        }

        int pieces = source.Layout.PieceCount;
        if (request.FirstPiece < 0 || request.FirstPiece % 8 != 0 || (request.FirstPiece >= pieces && pieces > 0))
        {
            return ValueTask.FromResult(Bad<HaveResponse>(new HaveResponse { Status = (int)FileShareStatus.BadRequest }));
        }

        int count = Math.Min(pieces - request.FirstPiece, FileShareProtocol.MaxHaveBytes * 8);
        byte[] bits = new byte[(count + 7) / 8];
        for (int i = 0; i < count; i++)
        {
            if (source.HasPiece(request.FirstPiece + i))
            {
                bits[i >> 3] |= (byte)(1 << (i & 7));
            }
        }

        return ValueTask.FromResult(new HaveResponse { Status = (int)FileShareStatus.Ok, Bits = bits });
    }

    public async ValueTask<BlockResponse> OnBlocksAsync(PeerId from, BlockRequest request, CancellationToken cancellationToken)
    {
        if (Find(request.Root) is not { } source)
        {
            return new BlockResponse { Status = (int)FileShareStatus.NotFound };
        }

        ShareLayout layout = source.Layout;
        if ((uint)request.File >= (uint)layout.Trees.Length)
        {
            return Bad(new BlockResponse { Status = (int)FileShareStatus.BadRequest });
        }

        MerkleTree tree = layout.Trees[request.File];
        if ((uint)request.Piece >= (uint)tree.PieceCount
            || request.Count is < 1 or > FileShareProtocol.MaxBlocksPerRequest
            || request.FirstBlock < 0
            || request.FirstBlock + request.Count > tree.BlocksInPiece(request.Piece))
        {
            return Bad(new BlockResponse { Status = (int)FileShareStatus.BadRequest });
        }

        if (!source.HasPiece(layout.GlobalPiece(request.File, request.Piece)))
        {
            return new BlockResponse { Status = (int)FileShareStatus.Unavailable };
        }

        if (!TryEnter(from))
        {
            _counters.Busy();
            return new BlockResponse { Status = (int)FileShareStatus.Busy };
        }

        try
        {
            int pieceLength = tree.PieceLength(request.Piece);
            long start = (long)request.FirstBlock * MerkleHash.BlockSize;
            int dataLength = (int)Math.Min((long)request.Count * MerkleHash.BlockSize, pieceLength - start);
            await _upload.TakeAsync(dataLength, cancellationToken).ConfigureAwait(false);

            // A request for a whole piece (what downloads ask for unless a piece holds more than
            // MaxBlocksPerRequest blocks) is read straight into the rented array the response carries,
            // which returns to the pool once the mesh has serialized the response: no 256 KiB copy and
            // no large-object array per response.
            bool whole = start == 0 && dataLength == pieceLength;
            BlockData? owned = whole ? BlockData.RentForSending(pieceLength) : null;
            byte[]? rented = whole ? null : ArrayPool<byte>.Shared.Rent(pieceLength);
            try
            {
                Span<byte> pieceData = whole ? owned!.Writable : rented.AsSpan(0, pieceLength);
                if (!source.TryReadPiece(request.File, request.Piece, pieceData))
                {
                    return new BlockResponse { Status = (int)FileShareStatus.Unavailable };
                }

                byte[] proofs = new byte[request.Count * tree.PieceHeight * MerkleHash.HashSize];
                if (!CreateProofs(source, request, tree, proofs))
                {
                    _counters.HashedPiece();
                    if (!tree.CreateProofs(pieceData, request.Piece, request.FirstBlock, request.Count, proofs))
                    {
                        // The file changed under the same size and time stamp: serve nothing from it again.
                        (source as LocalShare)?.MarkStale();
                        _counters.StaleRead();
                        return new BlockResponse { Status = (int)FileShareStatus.Unavailable };
                    }
                }

                _counters.Uploaded(dataLength);
                owned ??= BlockData.Wrap(pieceData.Slice((int)start, dataLength).ToArray());
                BlockResponse answer = new() { Status = (int)FileShareStatus.Ok, Data = owned, Proofs = proofs };
                owned = null; // handed over: the formatter returns it
                return answer;
            }
            finally
            {
                owned?.Dispose();
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }
        finally
        {
            Leave(from);
        }
    }

    // Proofs from the leaf hashes saved when the file was hashed: no hashing of the piece served. The
    // seeder then trusts the file's size and time stamp (LocalShare) to say it is unchanged, as BitTorrent
    // clients do; an edit that keeps both is caught by the downloaders' block checks. False when there are
    // no saved leaves, or they are damaged (then dropped): the caller hashes the piece instead.
    private bool CreateProofs(IPieceSource source, BlockRequest request, MerkleTree tree, byte[] proofs)
    {
        int length = tree.BlocksInPiece(request.Piece) * MerkleHash.HashSize;
        byte[] leaves = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Span<byte> read = leaves.AsSpan(0, length);
            if (!source.TryReadLeaves(request.File, request.Piece, read))
            {
                return false;
            }

            // Reduced in place: the rented array is the working layer, no second copy.
            if (tree.CreateProofsFromLeaves(read, request.Piece, request.FirstBlock, request.Count, proofs))
            {
                return true;
            }

            source.ForgetLeaves(request.File);
            _counters.DamagedLeaves();
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(leaves);
        }
    }

    private IPieceSource? Find(byte[]? root) =>
        root is { Length: FileShareProtocol.RootLength } ? _find(Convert.ToHexStringLower(root)) : null;

    private T Bad<T>(T response)
    {
        _counters.BadRequest();
        return response;
    }

    private bool TryEnter(PeerId peer)
    {
        lock (_sync)
        {
            _inProgress.TryGetValue(peer, out int count);
            if (count >= _options.MaxRequestsPerPeer || (count == 0 && _inProgress.Count >= _options.MaxConcurrentUploads))
            {
                return false;
            }

            _inProgress[peer] = count + 1;
            return true;
        }
    }

    private void Leave(PeerId peer)
    {
        lock (_sync)
        {
            int count = _inProgress[peer] - 1;
            if (count == 0)
            {
                _inProgress.Remove(peer);
            }
            else
            {
                _inProgress[peer] = count;
            }
        }
    }
}
