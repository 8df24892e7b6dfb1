namespace MeshHost.Plugins.Runtime;

/// <summary>Something a plugin opened through its context; disposing it stops tracking it.</summary>
internal abstract class TrackedResource : IDisposable
{
    private readonly ResourceTracker _tracker;
    private int _disposed;

    protected TrackedResource(ResourceTracker tracker)
    {
        _tracker = tracker;
    }

    internal LinkedListNode<TrackedResource>? Node { get; set; }

    protected bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _tracker.Remove(this);
        Release();
    }

    /// <summary>Closes the underlying resource; called once.</summary>
    protected abstract void Release();
}

/// <summary>What a plugin has open, in opening order, so the host can release what it forgot (newest first).</summary>
internal sealed class ResourceTracker
{
    private readonly LinkedList<TrackedResource> _open = new();
    private readonly Lock _lock = new();
    private bool _closed;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>Tracks <paramref name="resource"/>; after <see cref="CloseAll"/> it is disposed at once and the plugin told.</summary>
    /// <exception cref="ObjectDisposedException">The plugin has been stopped.</exception>
    public T Add<T>(T resource)
        where T : TrackedResource
    {
        lock (_lock)
        {
            if (!_closed)
            {
                resource.Node = _open.AddLast(resource);
                return resource;
            }
        }

        resource.Dispose();
        throw new ObjectDisposedException(nameof(Sdk.IPluginContext), "The plugin has been stopped; its context can no longer open anything.");
    }

    public void Remove(TrackedResource resource)
    {
        lock (_lock)
        {
            if (resource.Node is { List: not null } node)
            {
                _open.Remove(node);
            }

            resource.Node = null;
        }
    }

    /// <summary>Stops tracking and returns what is still open, newest first.</summary>
    public List<TrackedResource> CloseAll()
    {
        lock (_lock)
        {
            _closed = true;
            var open = new List<TrackedResource>(_open.Count);
            for (LinkedListNode<TrackedResource>? node = _open.Last; node is not null; node = node.Previous)
            {
                open.Add(node.Value);
            }

            foreach (TrackedResource resource in open)
            {
                resource.Node = null;
            }

            _open.Clear();
            return open;
        }
    }
}

/// <summary>A tracked <see cref="IDisposable"/>: a handler registration, a subscription, a timer.</summary>
internal sealed class TrackedDisposable : TrackedResource
{
    private readonly IDisposable _inner;

    public TrackedDisposable(ResourceTracker tracker, IDisposable inner)
        : base(tracker)
    {
        _inner = inner;
    }

    protected override void Release() => _inner.Dispose();
}
