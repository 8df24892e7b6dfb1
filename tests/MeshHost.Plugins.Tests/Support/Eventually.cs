using System.Runtime.CompilerServices;

namespace MeshHost.Plugins.Tests.Support;

/// <summary>Waits for conditions with a bound, and proves that unloaded load contexts are collected.</summary>
internal static class Eventually
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds, failing with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>Polls an asynchronous <paramref name="condition"/> (each poll bounded too) until it holds.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? Timeout);
        while (!await condition().WaitAsync(Timeout))
        {
            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    /// <summary>
    /// Collects until the load context behind <paramref name="context"/> is gone (bounded), and fails
    /// otherwise: something still references the plugin's types.
    /// </summary>
    public static async Task CollectedAsync(WeakReference context, string what)
    {
        for (int i = 0; i < 200 && context.IsAlive; i++)
        {
            Collect();
            await Task.Delay(10, CancellationToken.None);
        }

        Assert.False(context.IsAlive, $"{what}: the plugin's load context was not collected after unload; something still references its types.");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
