using MeshHost.Sdk;

namespace MeshHost.Plugins.Runtime;

/// <summary>
/// The peer directory as a plugin sees it: its event handlers are guarded, and the ones it forgets to
/// remove are removed from the node when it stops (an event on the node would otherwise keep the
/// plugin's types alive).
/// </summary>
internal sealed class TrackedPeerDirectory : IPeerDirectory
{
    private readonly IPeerDirectory _inner;
    private readonly ResourceTracker _tracker;
    private readonly HandlerGuard _guard;
    private readonly List<Subscription> _subscriptions = [];
    private readonly Lock _lock = new();

    public TrackedPeerDirectory(ResourceTracker tracker, HandlerGuard guard, IPeerDirectory inner)
    {
        _tracker = tracker;
        _guard = guard;
        _inner = inner;
    }

    public IReadOnlyList<ConnectedPeer> Connected => _inner.Connected;

    public event Action<PeerId>? PeerJoined
    {
        add => Add(value, joined: true);
        remove => Remove(value, joined: true);
    }

    public event Action<PeerId>? PeerLeft
    {
        add => Add(value, joined: false);
        remove => Remove(value, joined: false);
    }

    public Task ConnectAsync(PeerId peer, CancellationToken cancellationToken = default) => _inner.ConnectAsync(peer, cancellationToken);

    private void Add(Action<PeerId>? handler, bool joined)
    {
        if (handler is null)
        {
            return;
        }

        var subscription = new Subscription(_tracker, this, handler, _guard.Wrap(handler, joined ? "PeerJoined handler" : "PeerLeft handler"), joined);
        lock (_lock)
        {
            _subscriptions.Add(subscription);
        }

        if (joined)
        {
            _inner.PeerJoined += subscription.Wrapped;
        }
        else
        {
            _inner.PeerLeft += subscription.Wrapped;
        }

        _tracker.Add(subscription);
    }

    private void Remove(Action<PeerId>? handler, bool joined)
    {
        Subscription? found = null;
        lock (_lock)
        {
            for (int i = _subscriptions.Count - 1; i >= 0; i--)
            {
                if (_subscriptions[i].Joined == joined && _subscriptions[i].Original == handler)
                {
                    found = _subscriptions[i];
                    break;
                }
            }
        }

        found?.Dispose();
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_lock)
        {
            _subscriptions.Remove(subscription);
        }

        if (subscription.Joined)
        {
            _inner.PeerJoined -= subscription.Wrapped;
        }
        else
        {
            _inner.PeerLeft -= subscription.Wrapped;
        }
    }

    private sealed class Subscription : TrackedResource
    {
        private readonly TrackedPeerDirectory _owner;

        public Subscription(ResourceTracker tracker, TrackedPeerDirectory owner, Action<PeerId> original, Action<PeerId> wrapped, bool joined)
            : base(tracker)
        {
            _owner = owner;
            Original = original;
            Wrapped = wrapped;
            Joined = joined;
        }

        public Action<PeerId> Original { get; }

        public Action<PeerId> Wrapped { get; }

        public bool Joined { get; }

        protected override void Release() => _owner.Unsubscribe(this);
    }
}
