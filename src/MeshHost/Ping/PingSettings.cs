using MeshHost.Sdk;

namespace MeshHost.Ping;

/// <summary>What one <c>meshhost ping</c> does: how many echoes, how large, how many in flight, for how long at most.</summary>
internal sealed record PingSettings(int Count, int Size, int Window, TimeSpan Timeout)
{
    public const int DefaultCount = 4;
    public const int MaxCount = 100_000;
    public const int DefaultSize = 1024;

    /// <summary>The largest payload whose request and reply (9-byte frame header, MessagePack array and bin headers) fit in one channel message.</summary>
    public const int MaxSize = MeshLimits.MaxChannelMessageBytes - 64;

    public const int DefaultWindow = 1;
    public const int MaxWindow = 16;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    /// <summary>How long one echo may take before it counts as timed out.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Checks the values; null when fine, else the message for people.</summary>
    public static string? Problem(int? count, int? size, int? window, double? timeoutSeconds) =>
        count is < 1 or > MaxCount ? $"--count is 1 to {MaxCount}; got {count}."
        : size is < 0 or > MaxSize ? $"--size is 0 to {MaxSize} bytes; got {size}."
        : window is < 1 or > MaxWindow ? $"--window is 1 to {MaxWindow}; got {window}."
        : timeoutSeconds is not null && (double.IsNaN(timeoutSeconds.Value) || timeoutSeconds <= 0 || timeoutSeconds > MaxTimeout.TotalSeconds) ? $"--timeout is more than 0 and at most {MaxTimeout.TotalSeconds:0} seconds; got {timeoutSeconds}."
        : null;

    /// <summary>The settings with defaults filled in; call <see cref="Problem"/> first.</summary>
    public static PingSettings From(int? count, int? size, int? window, double? timeoutSeconds) => new(
        count ?? DefaultCount,
        size ?? DefaultSize,
        Math.Min(window ?? DefaultWindow, count ?? DefaultCount),
        timeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : DefaultTimeout);
}
