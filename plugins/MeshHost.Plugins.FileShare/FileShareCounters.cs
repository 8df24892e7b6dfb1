namespace MeshHost.Plugins.FileShare;

/// <summary>What the plugin did, for <c>files list</c>, the status endpoint and tests. Thread-safe.</summary>
internal sealed class FileShareCounters
{
    private long _uploadedBytes;
    private long _badRequests;
    private long _busy;
    private long _staleReads;
    private long _damagedLeaves;
    private long _hashedPieces;

    public long UploadedBytes => Interlocked.Read(ref _uploadedBytes);

    /// <summary>Requests refused as malformed or out of range.</summary>
    public long BadRequests => Interlocked.Read(ref _badRequests);

    /// <summary>Block requests refused by the upload bounds.</summary>
    public long BusyAnswers => Interlocked.Read(ref _busy);

    /// <summary>Pieces read from a shared file that no longer hashed to the share (the file changed).</summary>
    public long StaleReads => Interlocked.Read(ref _staleReads);

    /// <summary>Saved leaf files found not to match their file's piece hashes (then deleted; the pieces are hashed instead).</summary>
    public long DamagedLeafFiles => Interlocked.Read(ref _damagedLeaves);

    /// <summary>Pieces hashed to build the proofs of a response, for want of saved leaf hashes (a download's part files, small files).</summary>
    public long HashedPieces => Interlocked.Read(ref _hashedPieces);

    public void Uploaded(long bytes) => Interlocked.Add(ref _uploadedBytes, bytes);

    public void BadRequest() => Interlocked.Increment(ref _badRequests);

    public void Busy() => Interlocked.Increment(ref _busy);

    public void StaleRead() => Interlocked.Increment(ref _staleReads);

    public void DamagedLeaves() => Interlocked.Increment(ref _damagedLeaves);

    public void HashedPiece() => Interlocked.Increment(ref _hashedPieces);
}
