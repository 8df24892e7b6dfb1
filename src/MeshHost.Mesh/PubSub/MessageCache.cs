using MeshHost.Mesh.PubSub.Protocol;

namespace MeshHost.Mesh.PubSub;

/// <summary>
/// Recent messages, kept for <c>HistoryLength</c> heartbeats so that IWANT can be answered, and
/// their ids advertised in IHAVE for the last <c>HistoryGossip</c> heartbeats. Bounded by a count
/// and by payload bytes as well: beyond either, the oldest messages go first.
/// </summary>
/// <remarks>Not thread-safe: the router calls it under its lock.</remarks>
internal sealed class MessageCache
{
    private readonly Dictionary<MessageId, PublishItem> _messages = new();
    private readonly Queue<(MessageId Id, long Window, int Bytes)> _order = new();
    private readonly int _historyLength;
    private readonly int _maxMessages;
    private readonly long _maxBytes;
    private long _window;

    /// <summary>Creates a cache of <paramref name="historyLength"/> windows, at most <paramref name="maxMessages"/> messages and <paramref name="maxBytes"/> payload bytes.</summary>
    public MessageCache(int historyLength, int maxMessages, long maxBytes)
    {
        _historyLength = historyLength;
        _maxMessages = maxMessages;
        _maxBytes = maxBytes;
    }

    /// <summary>Messages held now.</summary>
    public int Count => _messages.Count;

    /// <summary>Payload bytes held now.</summary>
    public long Bytes { get; private set; }

    /// <summary>
    /// Adds a message to the current window. <paramref name="item"/>'s <see cref="PublishItem.Hops"/>
    /// is the hop count it arrived with (0 for our own), so that an answer to IWANT says one more.
    /// </summary>
    public void Add(MessageId id, PublishItem item)
    {
        if (!_messages.TryAdd(id, item))
        {
            return;
        }

        _order.Enqueue((id, _window, item.Payload.Length));
        Bytes += item.Payload.Length;
        while (_messages.Count > _maxMessages || Bytes > _maxBytes)
        {
            RemoveOldest();
        }
    }

    /// <summary>The cached message with id <paramref name="id"/>, or null.</summary>
    public PublishItem? Get(MessageId id) => _messages.GetValueOrDefault(id);

    /// <summary>Ends the current heartbeat window, forgetting the messages of the oldest.</summary>
    public void Shift()
    {
        _window++;
        while (_order.Count > 0 && _order.Peek().Window <= _window - _historyLength)
        {
            RemoveOldest();
        }
    }

    /// <summary>Adds to <paramref name="byTopic"/> the ids of the messages of the last <paramref name="windows"/> windows, by topic, oldest first.</summary>
    public void CollectGossip(int windows, Dictionary<string, List<MessageId>> byTopic)
    {
        foreach ((MessageId id, long window, int _) in _order)
        {
            if (window > _window - windows && _messages.TryGetValue(id, out PublishItem? item))
            {
                if (!byTopic.TryGetValue(item.Topic, out List<MessageId>? ids))
                {
                    ids = [];
                    byTopic.Add(item.Topic, ids);
                }

                ids.Add(id);
            }
        }
    }

    private void RemoveOldest()
    {
        (MessageId id, long _, int bytes) = _order.Dequeue();
        _messages.Remove(id);
        Bytes -= bytes;
    }
}
