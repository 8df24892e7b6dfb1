using MeshHost.Transport.Testing;

namespace MeshHost.Transport.Tests.Testing;

public sealed class ManualTimeProviderTests
{
    private static readonly DateTimeOffset Start = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Advance_FiresTimersInDueOrder_EachAtItsDueTime()
    {
        var time = new ManualTimeProvider(Start);
        var fired = new List<(string Name, TimeSpan At)>();
        using ITimer late = time.CreateTimer(_ => fired.Add(("late", time.GetUtcNow() - Start)), null, TimeSpan.FromMilliseconds(30), Timeout.InfiniteTimeSpan);
        using ITimer early = time.CreateTimer(_ => fired.Add(("early", time.GetUtcNow() - Start)), null, TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);
        using ITimer middle = time.CreateTimer(_ => fired.Add(("middle", time.GetUtcNow() - Start)), null, TimeSpan.FromMilliseconds(20), Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(
            [("early", TimeSpan.FromMilliseconds(10)), ("middle", TimeSpan.FromMilliseconds(20)), ("late", TimeSpan.FromMilliseconds(30))],
            fired);
        Assert.Equal(Start + TimeSpan.FromMilliseconds(100), time.GetUtcNow());
    }

    [Fact]
    public void Advance_TimersDueAtTheSameInstant_FireInCreationOrder()
    {
        var time = new ManualTimeProvider(Start);
        var fired = new List<int>();
        var timers = new List<ITimer>();
        for (int i = 0; i < 5; i++)
        {
            timers.Add(time.CreateTimer(state => fired.Add((int)state!), i, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan));
        }

        // Re-arming an earlier-created timer to the same instant keeps creation order.
        timers[0].Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([0, 1, 2, 3, 4], fired);
    }

    [Fact]
    public void CreateTimerAndChange_WithZeroDueTime_NeverFireSynchronously()
    {
        var time = new ManualTimeProvider(Start);
        int calls = 0;
        using ITimer timer = time.CreateTimer(_ => calls++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        Assert.Equal(0, calls);

        time.Advance(TimeSpan.Zero);
        Assert.Equal(1, calls);

        Assert.True(timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        Assert.Equal(1, calls);
        time.Advance(TimeSpan.Zero);
        Assert.Equal(2, calls);
        Assert.Equal(Start, time.GetUtcNow());
    }

    [Fact]
    public void Advance_FiresTimersThatCallbacksCreateWithinTheSpan_AtTheirDueTimes()
    {
        var time = new ManualTimeProvider(Start);
        var fired = new List<(string Name, TimeSpan At)>();
        var children = new List<ITimer>();
        using ITimer parent = time.CreateTimer(
            _ =>
            {
                fired.Add(("parent", time.GetUtcNow() - Start));
                children.Add(time.CreateTimer(_ => fired.Add(("zero", time.GetUtcNow() - Start)), null, TimeSpan.Zero, Timeout.InfiniteTimeSpan));
                children.Add(time.CreateTimer(_ => fired.Add(("inside", time.GetUtcNow() - Start)), null, TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan));
                children.Add(time.CreateTimer(_ => fired.Add(("beyond", time.GetUtcNow() - Start)), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan));
            },
            null,
            TimeSpan.FromSeconds(2),
            Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(
            [("parent", TimeSpan.FromSeconds(2)), ("zero", TimeSpan.FromSeconds(2)), ("inside", TimeSpan.FromSeconds(5))],
            fired);

        time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(("beyond", TimeSpan.FromSeconds(12)), fired[^1]);
        foreach (ITimer child in children)
        {
            child.Dispose();
        }
    }

    [Fact]
    public void Advance_CallbackMovingAnotherTimerEarlier_FiresItInOrder()
    {
        var time = new ManualTimeProvider(Start);
        var fired = new List<(string Name, TimeSpan At)>();
        using ITimer other = time.CreateTimer(_ => fired.Add(("other", time.GetUtcNow() - Start)), null, TimeSpan.FromSeconds(50), Timeout.InfiniteTimeSpan);
        using ITimer mover = time.CreateTimer(
            _ =>
            {
                fired.Add(("mover", time.GetUtcNow() - Start));
                other.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
            },
            null,
            TimeSpan.FromSeconds(1),
            Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal([("mover", TimeSpan.FromSeconds(1)), ("other", TimeSpan.FromSeconds(2))], fired);
    }

    [Fact]
    public void PeriodicTimer_RearmsAndFiresOncePerPeriodWithinOneAdvance()
    {
        var time = new ManualTimeProvider(Start);
        var at = new List<TimeSpan>();
        using ITimer timer = time.CreateTimer(_ => at.Add(time.GetUtcNow() - Start), null, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(10));

        time.Advance(TimeSpan.FromMilliseconds(40));

        Assert.Equal([TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(15), TimeSpan.FromMilliseconds(25), TimeSpan.FromMilliseconds(35)], at);
    }

    [Fact]
    public void Dispose_InsideItsOwnCallback_StopsThePeriodicTimer()
    {
        var time = new ManualTimeProvider(Start);
        int calls = 0;
        ITimer? timer = null;
        timer = time.CreateTimer(
            _ =>
            {
                if (++calls == 2)
                {
                    timer!.Dispose();
                }
            },
            null,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(1));

        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(2, calls);
        Assert.False(timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void DisposedOrDisarmedTimers_NeverFire()
    {
        var time = new ManualTimeProvider(Start);
        int calls = 0;
        ITimer disposed = time.CreateTimer(_ => calls++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using ITimer disarmed = time.CreateTimer(_ => calls++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        using ITimer infinite = time.CreateTimer(_ => calls++, null, Timeout.InfiniteTimeSpan, TimeSpan.FromSeconds(1));
        disposed.Dispose();
        disarmed.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task TaskDelay_CompletesExactlyWhenTheClockReachesItsDueTime()
    {
        var time = new ManualTimeProvider(Start);
        Task delay = Task.Delay(TimeSpan.FromSeconds(1), time, CancellationToken.None);

        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(delay.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(delay.IsCompletedSuccessfully);

        using var cancellation = new CancellationTokenSource();
        Task cancelled = Task.Delay(TimeSpan.FromSeconds(1), time, cancellation.Token);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task PeriodicTimer_TicksOnEachPeriod()
    {
        var time = new ManualTimeProvider(Start);
        using var periodic = new PeriodicTimer(TimeSpan.FromSeconds(2), time);

        for (int tick = 1; tick <= 3; tick++)
        {
            ValueTask<bool> next = periodic.WaitForNextTickAsync();
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.False(next.IsCompleted);
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(next.IsCompleted);
            Assert.True(await next.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        }
    }

    [Fact]
    public void Timestamps_MoveWithTheClock()
    {
        var time = new ManualTimeProvider(Start);
        long before = time.GetTimestamp();

        time.Advance(TimeSpan.FromMilliseconds(1234.5));

        Assert.Equal(TimeSpan.TicksPerSecond, time.TimestampFrequency);
        Assert.Equal(TimeSpan.FromMilliseconds(1234.5), time.GetElapsedTime(before));
        Assert.Equal(ManualTimeProvider.DefaultStart, new ManualTimeProvider().GetUtcNow());
    }

    [Fact]
    public void SetUtcNow_FiresDueTimers_AndRefusesToGoBack()
    {
        var time = new ManualTimeProvider(Start);
        int calls = 0;
        using ITimer timer = time.CreateTimer(_ => calls++, null, TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan);

        time.SetUtcNow(Start + TimeSpan.FromMinutes(2));

        Assert.Equal(1, calls);
        Assert.Throws<ArgumentOutOfRangeException>(() => time.SetUtcNow(Start));
        Assert.Throws<ArgumentOutOfRangeException>(() => time.Advance(TimeSpan.FromTicks(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => time.CreateTimer(_ => { }, null, TimeSpan.FromTicks(-1), Timeout.InfiniteTimeSpan));
    }
}
