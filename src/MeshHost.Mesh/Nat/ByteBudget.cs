namespace MeshHost.Mesh.Nat;

/// <summary>A token bucket of bytes per second with one second of burst; thread-safe.</summary>
internal sealed class ByteBudget(long bytesPerSecond)
{
    private readonly Lock _lock = new();
    private double _tokens = bytesPerSecond;
    private long _stamp;

    /// <summary>Takes <paramref name="bytes"/>; false (and nothing taken) when the bucket holds fewer.</summary>
    public bool TryTake(int bytes, long now, TimeProvider time)
    {
        lock (_lock)
        {
            if (_stamp != 0)
            {
                _tokens = Math.Min(bytesPerSecond, _tokens + (time.GetElapsedTime(_stamp, now).TotalSeconds * bytesPerSecond));
            }

            _stamp = now;
            if (_tokens < bytes)
            {
                return false;
            }

            _tokens -= bytes;
            return true;
        }
    }
}
