namespace MeshHost.Plugins.Runtime;

/// <summary>
/// The node's clock as a plugin sees it: every timer it creates (directly, or through
/// <c>Task.Delay</c> and <c>PeriodicTimer</c>) is tracked, its callback guarded, and it is disposed
/// when the plugin stops, so no timer queue keeps the plugin's types alive.
/// </summary>
internal sealed class TrackingTimeProvider : TimeProvider
{
    private readonly TimeProvider _inner;
    private readonly ResourceTracker _tracker;
    private readonly HandlerGuard _guard;

    public TrackingTimeProvider(TimeProvider inner, ResourceTracker tracker, HandlerGuard guard)
    {
        _inner = inner;
        _tracker = tracker;
        _guard = guard;
    }

    public override TimeZoneInfo LocalTimeZone => _inner.LocalTimeZone;

    public override long TimestampFrequency => _inner.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow();

    public override long GetTimestamp() => _inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new TrackedTimer(_tracker, _guard.Wrap(callback, "timer callback"), state);
        _tracker.Add(timer);
        timer.Start(_inner, dueTime, period);
        return timer;
    }

    private sealed class TrackedTimer : TrackedResource, ITimer
    {
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private ITimer? _inner;

        public TrackedTimer(ResourceTracker tracker, TimerCallback callback, object? state)
            : base(tracker)
        {
            _callback = callback;
            _state = state;
        }

        public void Start(TimeProvider time, TimeSpan dueTime, TimeSpan period)
        {
            ITimer inner = time.CreateTimer(static s => ((TrackedTimer)s!).Fire(), this, dueTime, period);
            Volatile.Write(ref _inner, inner);
            if (IsDisposed)
            {
                inner.Dispose(); // released while starting
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => !IsDisposed && Volatile.Read(ref _inner) is { } inner && inner.Change(dueTime, period);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        protected override void Release() => Volatile.Read(ref _inner)?.Dispose();

        private void Fire()
        {
            if (!IsDisposed)
            {
                _callback(_state);
            }
        }
    }
}
