namespace MeshHost.Sdk.Testing;

/// <summary>Moving the virtual clock.</summary>
public sealed partial class TestMesh
{
    /// <summary>
    /// Moves the clock forward by <paramref name="duration"/> in steps of <see cref="TestMeshOptions.Step"/>,
    /// firing every timer that falls due on the way (at its due time) and giving the continuations
    /// they start a moment of real time to run after each step.
    /// </summary>
    /// <param name="duration">Zero or more; zero fires only what is due now.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative.</exception>
    public async Task AdvanceAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        TimeSpan left = duration;
        do
        {
            TimeSpan step = left < _options.Step ? left : _options.Step;
            await StepAsync(step, cancellationToken).ConfigureAwait(false);
            left -= step;
        }
        while (left > TimeSpan.Zero);
    }

    /// <summary>
    /// Moves the clock step by step until <paramref name="condition"/> holds (checked before every
    /// step, so a condition that already holds returns at once without moving time).
    /// </summary>
    /// <param name="condition">Read-only and quick: it runs once per step, on the test's thread.</param>
    /// <param name="virtualTimeout">How much virtual time may pass; real time taken is roughly a millisecond per step.</param>
    /// <param name="because">Says what is awaited, for the failure message.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    /// <exception cref="TimeoutException">The condition did not hold within <paramref name="virtualTimeout"/>.</exception>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan virtualTimeout, string? because = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        TimeSpan waited = TimeSpan.Zero;
        while (!condition())
        {
            if (waited >= virtualTimeout)
            {
                throw new TimeoutException($"Not reached within {virtualTimeout} of virtual time: {because ?? "the condition"} (the mesh's clock reads +{Elapsed}).");
            }

            await StepAsync(_options.Step, cancellationToken).ConfigureAwait(false);
            waited += _options.Step;
        }
    }

    /// <summary>
    /// Moves the clock until <paramref name="task"/> completes, then awaits it (so its exception, if
    /// any, is thrown here). Use it for any operation of your own that needs the mesh to make progress.
    /// </summary>
    /// <exception cref="TimeoutException">The task did not complete within <paramref name="virtualTimeout"/>; it keeps running.</exception>
    public async Task WaitAsync(Task task, TimeSpan virtualTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        await WaitUntilAsync(() => task.IsCompleted, virtualTimeout, "the operation to complete", cancellationToken).ConfigureAwait(false);
        await task.ConfigureAwait(false);
    }

    /// <summary>
    /// Moves the clock until <paramref name="task"/> completes and returns its result (or throws its exception).
    /// </summary>
    /// <exception cref="TimeoutException">The task did not complete within <paramref name="virtualTimeout"/>; it keeps running.</exception>
    public async Task<T> WaitAsync<T>(Task<T> task, TimeSpan virtualTimeout, CancellationToken cancellationToken = default)
    {
        await WaitAsync((Task)task, virtualTimeout, cancellationToken).ConfigureAwait(false);
        return await task.ConfigureAwait(false);
    }

    private async Task StepAsync(TimeSpan step, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _time.Advance(step);

        // What the timers fired continues on the thread pool: give it real time to run, so the
        // virtual clock cannot outrun the code it drives.
        await Task.Delay(1, cancellationToken).ConfigureAwait(false);
    }
}
