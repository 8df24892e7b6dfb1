namespace MeshHost.Plugins.FileShare.Tests;

/// <summary>What every test here shares: a bound on each awaited operation, so a hang fails fast.</summary>
internal static class TestContext
{
    private static readonly CancellationTokenSource Source = new(TimeSpan.FromSeconds(30));

    /// <summary>Cancelled 30 s after the first test touched it: longer than the whole suite should take.</summary>
    public static CancellationToken Timeout => Source.Token;
}

/// <summary>A fresh directory under the system's temp folder, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "meshhost-fileshare-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
