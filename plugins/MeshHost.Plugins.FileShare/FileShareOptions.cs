using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace MeshHost.Plugins.FileShare;

/// <summary>The plugin's settings (<c>Plugins:meshhost.fileshare:*</c>; docs/fileshare.md, "Settings").</summary>
internal sealed record FileShareOptions
{
    /// <summary>Upload cap over all peers, bytes per second; 0 is unlimited.</summary>
    public long MaxUploadBytesPerSecond { get; init; }

    /// <summary>Download cap over all downloads, bytes per second; 0 is unlimited.</summary>
    public long MaxDownloadBytesPerSecond { get; init; }

    /// <summary>Peers served at once; a request from one more is answered Busy.</summary>
    public int MaxConcurrentUploads { get; init; } = 16;

    /// <summary>Block requests one peer may have in progress here; more are answered Busy.</summary>
    public int MaxRequestsPerPeer { get; init; } = 16;

    /// <summary>Block requests a download keeps in flight to one peer.</summary>
    public int RequestsInFlightPerPeer { get; init; } = 12;

    /// <summary>Blocks per request (at most 48; a request never spans pieces).</summary>
    public int BlocksPerRequest { get; init; } = 48;

    /// <summary>How long a request may take before it is given up and its blocks asked elsewhere.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Rejected blocks (failed hash checks) after which a peer is dropped from a download.</summary>
    public int MaxFaultsPerPeer { get; init; } = 3;

    /// <summary>Downloads running at once.</summary>
    public int MaxDownloads { get; init; } = 16;

    /// <summary>Write verified blocks of files from 1 MiB past the page cache (<c>O_DIRECT</c>) where the system allows it.</summary>
    public bool DirectWrites { get; init; } = true;

    public static FileShareOptions From(IConfiguration configuration)
    {
        var defaults = new FileShareOptions();
        return new FileShareOptions
        {
            MaxUploadBytesPerSecond = Read(configuration, nameof(MaxUploadBytesPerSecond), defaults.MaxUploadBytesPerSecond, 0, long.MaxValue),
            MaxDownloadBytesPerSecond = Read(configuration, nameof(MaxDownloadBytesPerSecond), defaults.MaxDownloadBytesPerSecond, 0, long.MaxValue),
            MaxConcurrentUploads = (int)Read(configuration, nameof(MaxConcurrentUploads), defaults.MaxConcurrentUploads, 1, 1024),
            MaxRequestsPerPeer = (int)Read(configuration, nameof(MaxRequestsPerPeer), defaults.MaxRequestsPerPeer, 1, 64),
            RequestsInFlightPerPeer = (int)Read(configuration, nameof(RequestsInFlightPerPeer), defaults.RequestsInFlightPerPeer, 1, 64),
            BlocksPerRequest = (int)Read(configuration, nameof(BlocksPerRequest), defaults.BlocksPerRequest, 1, Protocol.FileShareProtocol.MaxBlocksPerRequest),
            RequestTimeout = TimeSpan.FromMilliseconds(Read(configuration, "RequestTimeoutMs", (long)defaults.RequestTimeout.TotalMilliseconds, 100, 600_000)),
            MaxFaultsPerPeer = (int)Read(configuration, nameof(MaxFaultsPerPeer), defaults.MaxFaultsPerPeer, 1, 1000),
            MaxDownloads = (int)Read(configuration, nameof(MaxDownloads), defaults.MaxDownloads, 1, 256),
            DirectWrites = ReadBool(configuration, nameof(DirectWrites), defaults.DirectWrites),
        };
    }

    private static bool ReadBool(IConfiguration configuration, string key, bool fallback)
    {
        string? text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return bool.TryParse(text, out bool value)
            ? value
            : throw new InvalidDataException($"Plugins:meshhost.fileshare:{key} is '{text}'; it must be true or false.");
    }

    private static long Read(IConfiguration configuration, string key, long fallback, long min, long max)
    {
        string? text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            throw new InvalidDataException($"Plugins:meshhost.fileshare:{key} is '{text}'; it must be a whole number from {min} to {max}.");
        }

        return value;
    }
}
