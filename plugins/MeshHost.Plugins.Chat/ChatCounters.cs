namespace MeshHost.Plugins.Chat;

/// <summary>What happened to received messages and requests, counted (thread-safe).</summary>
public sealed class ChatCounters
{
    private long _accepted;
    private long _duplicates;
    private long _invalid;
    private long _forged;
    private long _blocked;
    private long _rateLimited;
    private long _expired;

    /// <summary>Valid new messages stored.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Messages already held (replays and gossip or sync repeats), dropped.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Messages malformed, too large, from too far in the future, or not addressed here.</summary>
    public long Invalid => Interlocked.Read(ref _invalid);

    /// <summary>Messages whose id or signature did not verify.</summary>
    public long Forged => Interlocked.Read(ref _forged);

    /// <summary>Messages from blocked authors.</summary>
    public long Blocked => Interlocked.Read(ref _blocked);

    /// <summary>Messages and sync requests over a peer's rate limit.</summary>
    public long RateLimited => Interlocked.Read(ref _rateLimited);

    /// <summary>Messages outside the history bound (too old, or older than a full room keeps).</summary>
    public long Expired => Interlocked.Read(ref _expired);

    internal void CountAccepted() => Interlocked.Increment(ref _accepted);

    internal void CountDuplicate() => Interlocked.Increment(ref _duplicates);

    internal void CountInvalid() => Interlocked.Increment(ref _invalid);

    internal void CountForged() => Interlocked.Increment(ref _forged);

    internal void CountBlocked() => Interlocked.Increment(ref _blocked);

    internal void CountRateLimited() => Interlocked.Increment(ref _rateLimited);

    internal void CountExpired() => Interlocked.Increment(ref _expired);
}
