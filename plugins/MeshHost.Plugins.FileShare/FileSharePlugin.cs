using MeshHost.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MeshHost.Plugins.FileShare;

/// <summary>
/// File and folder sharing (issue 8, docs/fileshare.md). So far only the verified-content core exists
/// (Merkle trees, share metadata, links, the download block store); the plugin starts and opens nothing
/// until the networking half lands.
/// </summary>
public sealed class FileSharePlugin : IMeshPlugin
{
    /// <summary>The manifest's id.</summary>
    public const string Id = "meshhost.fileshare";

    /// <inheritdoc/>
    public string Name => "FileShare";

    /// <inheritdoc/>
    public Version Version { get; } = new(0, 1, 0);

    /// <inheritdoc/>
    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
    }

    /// <inheritdoc/>
    public Task StartAsync(IPluginContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
