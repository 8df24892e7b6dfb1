namespace MeshHost.Dht.Simulation;

/// <summary>
/// Virtual time for whole-network simulations: a <see cref="TimeProvider"/> whose timers and
/// scheduled actions live in one priority queue and run, in due order, only inside
/// <see cref="RunUntil"/> or <see cref="RunFor"/>. Time jumps from event to event, so ten thousand
/// nodes with thousands of RPCs in flight cost only the work they do, never waiting.
/// </summary>
/// <remarks>
/// Chosen over <see cref="Transport.Testing.ManualTimeProvider"/> for scale: that clock keeps a
/// sorted set under a lock and is advanced in steps; this one is a binary heap driven from one
/// thread. Everything runs on the thread that calls <see cref="RunUntil"/> (the DHT never forces a
/// thread hop), which makes a seeded simulation deterministic. Not for concurrent use.
/// </remarks>
public sealed class SimulationClock : TimeProvider
{
    private readonly PriorityQueue<Event, (long Due, long Sequence)> _queue = new();
    private readonly DateTimeOffset _start;
    private long _now;
    private long _sequence;

    /// <summary>Creates a clock reading <paramref name="start"/> (default 1 January 2000 UTC).</summary>
    public SimulationClock(DateTimeOffset? start = null)
    {
        _start = start ?? new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }

    /// <summary>Ticks of <see cref="GetTimestamp"/> per second (<see cref="TimeSpan.TicksPerSecond"/>).</summary>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>Virtual time elapsed since the start.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(_now);

    /// <summary>Events waiting (including cancelled timers not yet reached).</summary>
    public int Pending => _queue.Count;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _start.AddTicks(_now);

    /// <inheritdoc/>
    public override long GetTimestamp() => _now;

    /// <summary>Runs <paramref name="action"/> after <paramref name="delay"/> of virtual time.</summary>
    public void Schedule(TimeSpan delay, Action<object?> action, object? state)
    {
        ArgumentNullException.ThrowIfNull(action);
        Enqueue(new Event(action, state), delay);
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new SimTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>
    /// Runs events in due order until <paramref name="done"/> is true, no event is left, or
    /// <paramref name="limit"/> of virtual time has passed. Returns <paramref name="done"/>'s final value.
    /// </summary>
    public bool RunUntil(Func<bool> done, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(done);

        // Task continuations run inline only where no custom SynchronizationContext is installed
        // (a test framework installs one); otherwise they go to the thread pool and the run is
        // neither single-threaded nor deterministic.
        SynchronizationContext? context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            long end = _now + limit.Ticks;
            while (!done())
            {
                if (!_queue.TryPeek(out _, out (long Due, long Sequence) key) || key.Due > end)
                {
                    return done();
                }

                Event next = _queue.Dequeue();
                _now = Math.Max(_now, key.Due);
                next.Run();
            }

            return true;
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    /// <summary>Runs every event due within <paramref name="duration"/>, then sets the clock to its end.</summary>
    public void RunFor(TimeSpan duration)
    {
        long end = _now + duration.Ticks;
        RunUntil(static () => false, duration);
        _now = Math.Max(_now, end);
    }

    private void Enqueue(Event e, TimeSpan delay)
    {
        long due = _now + Math.Max(0, delay.Ticks);
        _queue.Enqueue(e, (due, _sequence++));
    }

    private class Event(Action<object?>? action, object? state)
    {
        public virtual void Run() => action!(state);
    }

    private sealed class TimerFiring(SimTimer timer, long generation) : Event(null, null)
    {
        public override void Run() => timer.Fire(generation);
    }

    private sealed class SimTimer(SimulationClock clock, TimerCallback callback, object? state) : ITimer
    {
        private long _generation;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            // Re-arming invalidates the firing already queued (lazy deletion: it is skipped when reached).
            _generation++;
            _period = period;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                clock.Enqueue(new TimerFiring(this, _generation), dueTime);
            }

            return true;
        }

        public void Fire(long generation)
        {
            if (generation != _generation)
            {
                return;
            }

            if (_period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan)
            {
                clock.Enqueue(new TimerFiring(this, _generation), _period);
            }

            callback(state);
        }

        public void Dispose() => _generation++;

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
