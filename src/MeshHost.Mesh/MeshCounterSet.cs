namespace MeshHost.Mesh;

/// <summary>The node's live counters, incremented with Interlocked from any thread.</summary>
internal sealed class MeshCounterSet
{
    public long MessagesSent;
    public long MessagesReceived;
    public long DroppedUnknownChannel;
    public long DroppedMalformed;
    public long DroppedTooLarge;
    public long DroppedInboxFull;
    public long DroppedRateLimited;
    public long HandlerFaults;
    public long DialsSucceeded;
    public long DialsFailed;
    public long SessionsPruned;
    public long LanPeersDiscovered;
    public long TopicPublished;
    public long TopicDelivered;

    public MeshCounters Snapshot(long topicDropped) => new()
    {
        MessagesSent = Interlocked.Read(ref MessagesSent),
        MessagesReceived = Interlocked.Read(ref MessagesReceived),
        DroppedUnknownChannel = Interlocked.Read(ref DroppedUnknownChannel),
        DroppedMalformed = Interlocked.Read(ref DroppedMalformed),
        DroppedTooLarge = Interlocked.Read(ref DroppedTooLarge),
        DroppedInboxFull = Interlocked.Read(ref DroppedInboxFull),
        DroppedRateLimited = Interlocked.Read(ref DroppedRateLimited),
        HandlerFaults = Interlocked.Read(ref HandlerFaults),
        DialsSucceeded = Interlocked.Read(ref DialsSucceeded),
        DialsFailed = Interlocked.Read(ref DialsFailed),
        SessionsPruned = Interlocked.Read(ref SessionsPruned),
        LanPeersDiscovered = Interlocked.Read(ref LanPeersDiscovered),
        TopicPublished = Interlocked.Read(ref TopicPublished),
        TopicDelivered = Interlocked.Read(ref TopicDelivered),
        TopicDropped = topicDropped,
    };
}
