namespace MeshHost.Transport.Testing;

/// <summary>A timer of <see cref="ManualTimeProvider"/>; its schedule lives under the provider's lock.</summary>
internal sealed class ManualTimer : ITimer
{
    private readonly ManualTimeProvider _owner;
    private readonly TimerCallback _callback;
    private readonly object? _state;

    public ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state, long id)
    {
        _owner = owner;
        _callback = callback;
        _state = state;
        Id = id;
    }

    /// <summary>Creation order, the tie-breaker between timers due at the same instant.</summary>
    public long Id { get; }

    public DateTimeOffset Due { get; set; }

    /// <summary>Zero for a one-shot timer.</summary>
    public TimeSpan Period { get; set; }

    public bool IsDisposed { get; set; }

    public bool Change(TimeSpan dueTime, TimeSpan period) => _owner.Change(this, dueTime, period);

    public void Invoke() => _callback(_state);

    public void Dispose() => _owner.Remove(this);

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Orders armed timers by due time, then by creation.</summary>
    internal sealed class DueOrder : IComparer<ManualTimer>
    {
        public static readonly DueOrder Instance = new();

        public int Compare(ManualTimer? x, ManualTimer? y)
        {
            int byDue = x!.Due.CompareTo(y!.Due);
            return byDue != 0 ? byDue : x.Id.CompareTo(y.Id);
        }
    }
}
