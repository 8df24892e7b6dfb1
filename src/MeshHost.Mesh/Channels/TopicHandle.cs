using MeshHost.MessagePack;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh.Channels;

/// <summary>One opening of a topic: typed publish, and subscriptions that share the node's membership of the topic.</summary>
internal sealed class TopicHandle<T> : ITopic<T>
    where T : IMessagePackSerializable<T>
{
    private static readonly MessagePackSerializerOptions TopicLimits = new() { MaxInputLength = MeshLimits.MaxTopicMessageBytes, MaxDepth = 64 };

    private readonly MeshNode _node;
    private readonly HandlerInbox<T> _inbox;
    private readonly Lock _sync = new();
    private IDisposable? _membership;
    private int _subscriptions;
    private int _disposed;

    public TopicHandle(MeshNode node, string name)
    {
        _node = node;
        Name = name;
        _inbox = new HandlerInbox<T>(name, MeshLimits.ChannelInboxCapacity, node.Counters, node.Logger);
    }

    public string Name { get; }

    public ValueTask<int> PublishAsync(T message, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        using var buffer = new PooledBufferWriter();
        MessagePackSerializer.Serialize(buffer, message);
        if (buffer.WrittenCount > MeshLimits.MaxTopicMessageBytes)
        {
            throw new MeshException(MeshError.MessageTooLarge, $"The message is {buffer.WrittenCount} bytes; topic '{Name}' carries at most {MeshLimits.MaxTopicMessageBytes}.");
        }

        return ValueTask.FromResult(_node.PublishTopic(Name, buffer.WrittenSpan));
    }

    public IDisposable Subscribe(MessageHandler<T> handler)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        IDisposable registration = _inbox.Add(handler);
        lock (_sync)
        {
            if (_subscriptions == 0)
            {
                try
                {
                    _membership = _node.SubscribeTopic(Name, Deliver);
                }
                catch
                {
                    registration.Dispose();
                    throw;
                }
            }

            _subscriptions++;
        }

        return new Subscription(this, registration);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (_sync)
        {
            _membership?.Dispose();
            _membership = null;
        }

        _inbox.Stop();
    }

    private void Deliver(NodeId origin, ReadOnlySpan<byte> payload, int hops)
    {
        T? message;
        try
        {
            message = MessagePackSerializer.Deserialize<T>(payload, TopicLimits);
        }
        catch (Exception) // a validly signed message that this node's type does not read
        {
            message = default;
        }

        if (message is null)
        {
            Interlocked.Increment(ref _node.Counters.DroppedMalformed);
            return;
        }

        _inbox.TryPost(origin.ToPeerId(), message);
    }

    private void Unsubscribed()
    {
        lock (_sync)
        {
            if (--_subscriptions == 0)
            {
                _membership?.Dispose();
                _membership = null;
            }
        }
    }

    private sealed class Subscription(TopicHandle<T> topic, IDisposable registration) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                registration.Dispose();
                topic.Unsubscribed();
            }
        }
    }
}
