namespace MeshHost.Transport.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock moves only when told to, for deterministic tests.
/// It follows the semantics of .NET's <c>FakeTimeProvider</c>, with one deliberate difference:
/// a timer never fires inside <see cref="CreateTimer"/> or <see cref="ITimer.Change"/>, not even
/// with a zero due time, only inside <see cref="Advance"/> or <see cref="SetUtcNow"/>. Code under
/// test is therefore never re-entered from its own timer calls.
/// </summary>
/// <remarks>
/// <para>
/// Timer callbacks run on the thread that calls <see cref="Advance"/> or <see cref="SetUtcNow"/>,
/// one after another, in due-time order (ties in timer creation order), each while the clock
/// reads its due time. A callback may create, change and dispose timers (its own included); a
/// timer it arms that falls due within the span being advanced fires in the same call.
/// </para>
/// <para>
/// All members are thread-safe. <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/>,
/// <see cref="PeriodicTimer(TimeSpan, TimeProvider)"/> and
/// <see cref="Task.WaitAsync(TimeSpan, TimeProvider)"/> work with it.
/// </para>
/// </remarks>
public sealed class ManualTimeProvider : TimeProvider
{
    /// <summary>The start time when none is given: midnight, 1 January 2000, UTC (as FakeTimeProvider).</summary>
    public static readonly DateTimeOffset DefaultStart = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Lock _sync = new();
    private readonly SortedSet<ManualTimer> _armed = new(ManualTimer.DueOrder.Instance);
    private DateTimeOffset _now;
    private long _nextTimerId;

    /// <summary>Creates a clock that reads <paramref name="start"/> (default <see cref="DefaultStart"/>).</summary>
    /// <param name="start">The initial time; its offset is kept by <see cref="GetUtcNow"/> only as a point in time.</param>
    public ManualTimeProvider(DateTimeOffset? start = null)
    {
        _now = (start ?? DefaultStart).ToUniversalTime();
    }

    /// <summary>Ticks per second of <see cref="GetTimestamp"/>: <see cref="TimeSpan.TicksPerSecond"/> (10,000,000).</summary>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>The current manual time, in UTC.</summary>
    public override DateTimeOffset GetUtcNow()
    {
        lock (_sync)
        {
            return _now;
        }
    }

    /// <summary>
    /// The current manual time as a timestamp: <see cref="DateTimeOffset.UtcTicks"/>, in units of
    /// <see cref="TimestampFrequency"/>. Never decreases.
    /// </summary>
    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <summary>
    /// When the earliest armed timer falls due, or null when none is armed. Lets a test jump from
    /// event to event instead of stepping through idle time.
    /// </summary>
    internal DateTimeOffset? NextDue
    {
        get
        {
            lock (_sync)
            {
                return _armed.Count == 0 ? null : _armed.Min!.Due;
            }
        }
    }

    /// <summary>
    /// Moves the clock forward by <paramref name="delta"/>, firing every timer that falls due on
    /// the way, each at its due time (see the class remarks). <see cref="TimeSpan.Zero"/> fires
    /// the timers that are due now, such as those just created with a zero due time.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is negative.</exception>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_sync)
        {
            target = _now + delta;
        }

        RunUntil(target);
    }

    /// <summary>
    /// Sets the clock to <paramref name="value"/>, firing due timers as <see cref="Advance"/> does.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is earlier than the current time (time never goes back).</exception>
    public void SetUtcNow(DateTimeOffset value)
    {
        lock (_sync)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, _now);
        }

        RunUntil(value.ToUniversalTime());
    }

    /// <summary>
    /// Creates a timer driven by this clock. It first fires <paramref name="dueTime"/> after the
    /// current time, then every <paramref name="period"/>; it never fires inside this call.
    /// </summary>
    /// <param name="callback">Called on the thread advancing the clock, with <paramref name="state"/>.</param>
    /// <param name="state">Passed to <paramref name="callback"/>.</param>
    /// <param name="dueTime">Delay to the first call; <see cref="Timeout.InfiniteTimeSpan"/> leaves the timer disarmed.</param>
    /// <param name="period">Interval between later calls; <see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/> fires once.</param>
    /// <returns>The timer; disposing it stops further calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A time is negative and not <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state, Interlocked.Increment(ref _nextTimerId));
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Arms or disarms <paramref name="timer"/>; false once it is disposed.</summary>
    internal bool Change(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        ValidateTime(dueTime, nameof(dueTime));
        ValidateTime(period, nameof(period));
        lock (_sync)
        {
            if (timer.IsDisposed)
            {
                return false;
            }

            _armed.Remove(timer);
            timer.Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                timer.Due = _now + dueTime;
                _armed.Add(timer);
            }

            return true;
        }
    }

    internal void Remove(ManualTimer timer)
    {
        lock (_sync)
        {
            timer.IsDisposed = true;
            _armed.Remove(timer);
        }
    }

    private static void ValidateTime(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, "A timer's time must be zero or more, or Timeout.InfiniteTimeSpan.");
        }
    }

    private void RunUntil(DateTimeOffset target)
    {
        while (true)
        {
            ManualTimer timer;
            lock (_sync)
            {
                if (_armed.Count == 0 || _armed.Min!.Due > target)
                {
                    if (target > _now)
                    {
                        _now = target;
                    }

                    return;
                }

                timer = _armed.Min;
                _armed.Remove(timer);
                if (timer.Due > _now)
                {
                    _now = timer.Due;
                }

                if (timer.Period > TimeSpan.Zero)
                {
                    timer.Due += timer.Period;
                    _armed.Add(timer);
                }
            }

            // Outside the lock, so that the callback may use the clock and its timers freely.
            timer.Invoke();
        }
    }
}
