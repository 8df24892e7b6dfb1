using MeshHost.MessagePack;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Runtime;

/// <summary>A channel, request channel or topic a plugin opened: disposing it (or stopping the plugin) closes the node's handle.</summary>
internal abstract class TrackedHandle<TInner> : TrackedResource
    where TInner : IDisposable
{
    private readonly ResourceTracker _tracker;

    protected TrackedHandle(ResourceTracker tracker, HandlerGuard guard, TInner inner)
        : base(tracker)
    {
        _tracker = tracker;
        Guard = guard;
        Inner = inner;
    }

    protected TInner Inner { get; }

    protected HandlerGuard Guard { get; }

    /// <summary>Tracks a handler registration the node returned, so the plugin's stop removes it.</summary>
    protected IDisposable Track(IDisposable registration)
    {
        if (IsDisposed)
        {
            registration.Dispose();
            throw new ObjectDisposedException(GetType().Name);
        }

        return _tracker.Add(new TrackedDisposable(_tracker, registration));
    }

    protected override void Release() => Inner.Dispose();
}

/// <summary>A plugin's channel: handlers are guarded and tracked.</summary>
internal sealed class TrackedChannel<T>(ResourceTracker tracker, HandlerGuard guard, IChannel<T> inner)
    : TrackedHandle<IChannel<T>>(tracker, guard, inner), IChannel<T>
    where T : IMessagePackSerializable<T>
{
    public string Name => Inner.Name;

    public Delivery Delivery => Inner.Delivery;

    public ValueTask SendAsync(PeerId peer, T message, CancellationToken cancellationToken = default) =>
        Inner.SendAsync(peer, message, cancellationToken);

    public IDisposable OnReceived(MessageHandler<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Track(Inner.OnReceived(Guard.Wrap(handler, $"handler of channel '{Name}'")));
    }
}

/// <summary>A plugin's request channel: the handler is guarded and tracked.</summary>
internal sealed class TrackedRequestChannel<TRequest, TResponse>(ResourceTracker tracker, HandlerGuard guard, IRequestChannel<TRequest, TResponse> inner)
    : TrackedHandle<IRequestChannel<TRequest, TResponse>>(tracker, guard, inner), IRequestChannel<TRequest, TResponse>
    where TRequest : IMessagePackSerializable<TRequest>
    where TResponse : IMessagePackSerializable<TResponse>
{
    public string Name => Inner.Name;

    public Task<TResponse> RequestAsync(PeerId peer, TRequest request, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Inner.RequestAsync(peer, request, timeout, cancellationToken);

    public IDisposable Handle(RequestHandler<TRequest, TResponse> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Track(Inner.Handle(Guard.Wrap(handler, $"request handler of '{Name}'")));
    }
}

/// <summary>A plugin's topic handle: subscriptions are guarded and tracked.</summary>
internal sealed class TrackedTopic<T>(ResourceTracker tracker, HandlerGuard guard, ITopic<T> inner)
    : TrackedHandle<ITopic<T>>(tracker, guard, inner), ITopic<T>
    where T : IMessagePackSerializable<T>
{
    public string Name => Inner.Name;

    public ValueTask<int> PublishAsync(T message, CancellationToken cancellationToken = default) =>
        Inner.PublishAsync(message, cancellationToken);

    public IDisposable Subscribe(MessageHandler<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Track(Inner.Subscribe(Guard.Wrap(handler, $"subscriber of topic '{Name}'")));
    }
}
