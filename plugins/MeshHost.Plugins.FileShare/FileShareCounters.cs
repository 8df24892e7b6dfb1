namespace MeshHost.Plugins.FileShare;

/// <summary>What the plugin did, for <c>files list</c>, the status endpoint and tests. Thread-safe.</summary>
internal sealed class FileShareCounters
{
    private long _uploadedBytes;
    private long _badRequests;
    private long _busy;
    private long _staleReads;

    public long UploadedBytes => Interlocked.Read(ref _uploadedBytes);

    /// <summary>Requests refused as malformed or out of range.</summary>
    public long BadRequests => Interlocked.Read(ref _badRequests);

    /// <summary>Block requests refused by the upload bounds.</summary>
    public long BusyAnswers => Interlocked.Read(ref _busy);

    /// <summary>Pieces read from a shared file that no longer hashed to the share (the file changed).</summary>
    public long StaleReads => Interlocked.Read(ref _staleReads);

    public void Uploaded(long bytes) => Interlocked.Add(ref _uploadedBytes, bytes);

    public void BadRequest() => Interlocked.Increment(ref _badRequests);

    public void Busy() => Interlocked.Increment(ref _busy);

    public void StaleRead() => Interlocked.Increment(ref _staleReads);
}
