using MeshHost.Plugins.FileShare.Protocol;
using MeshHost.Sdk;
using Microsoft.Extensions.Logging;

namespace MeshHost.Plugins.FileShare.Downloading;

/// <summary>What a download needs from the plugin: the mesh, the clock, the settings and the shared download cap.</summary>
internal sealed record DownloadEnvironment(
    FileShareChannels Channels,
    IContentRouting Content,
    TimeProvider Time,
    ILogger Logger,
    FileShareOptions Options,
    RateLimiter DownloadLimit)
{
    /// <summary>How often providers are looked up again while downloading.</summary>
    public TimeSpan ProviderRefresh { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often verified blocks are made durable and recorded in the sidecars.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a download looks for a first provider before it fails.</summary>
    public TimeSpan ProviderSearchTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Peers one download talks to at most.</summary>
    public int MaxPeers { get; init; } = 32;
}
