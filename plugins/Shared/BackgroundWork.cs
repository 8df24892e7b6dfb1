using System.Collections.Concurrent;

namespace MeshHost.Plugins.Shared;

/// <summary>
/// The background work of a bundled plugin (compiled into each that links this file): tasks it
/// starts from network callbacks, tracked so that its stop can await them, and its periodic loop.
/// Cancellation and the host's release of channels and timers mean "stopping"; any other failure
/// goes to the plugin's log callback, so no task is left unobserved.
/// </summary>
internal sealed class BackgroundWork
{
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly Action<Exception> _failed;

    public BackgroundWork(Action<Exception> failed) => _failed = failed;

    /// <summary>Runs <paramref name="work"/> on the pool, tracked until it ends.</summary>
    public void Spawn(Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        Task task = Task.Run(
            async () =>
            {
                try
                {
                    await work(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // Stopping.
                }
                catch (ObjectDisposedException)
                {
                    // The host released the channels: stopping.
                }
                catch (Exception ex)
                {
                    _failed(ex);
                }
            },
            CancellationToken.None);
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Completes when every task spawned so far has ended.</summary>
    public Task WhenAll() => Task.WhenAll(_running.Keys);

    /// <summary>
    /// Calls <paramref name="tick"/> every <paramref name="period"/> of <paramref name="time"/> until
    /// <paramref name="stopping"/> is cancelled (then disposes it); a failing tick ends the loop and is logged.
    /// </summary>
    public async Task RunEveryAsync(TimeSpan period, TimeProvider time, CancellationTokenSource stopping, Func<CancellationToken, Task> tick)
    {
        CancellationToken cancellationToken = stopping.Token;
        try
        {
            using var timer = new PeriodicTimer(period, time);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await tick(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (ObjectDisposedException)
        {
            // The host released the plugin's timers: it is stopping.
        }
        finally
        {
            stopping.Dispose();
        }
    }
}
