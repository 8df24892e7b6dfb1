namespace MeshHost.Host.Tests.Support;

/// <summary>Bounded polling for what another process does in its own time.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>Calls <paramref name="probe"/> until it returns a value, failing with <paramref name="describe"/> after <paramref name="deadline"/>.</summary>
    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, TimeSpan deadline, string what, Func<string> describe)
        where T : class
    {
        using CancellationTokenSource timeout = new(deadline);
        while (true)
        {
            if (await probe().WaitAsync(deadline) is { } value)
            {
                return value;
            }

            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"{what} did not happen within {deadline.TotalSeconds} s.\n{describe()}");
            }

            await Task.Delay(Interval, CancellationToken.None);
        }
    }
}
