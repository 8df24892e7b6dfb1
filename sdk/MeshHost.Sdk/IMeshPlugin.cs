using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MeshHost.Sdk;

/// <summary>
/// A plugin: the one type in a plugin assembly the host instantiates (it needs a public
/// parameterless constructor). The host calls <see cref="ConfigureServices"/>, then
/// <see cref="StartAsync"/>, and later <see cref="StopAsync"/>, each once, never concurrently.
/// </summary>
/// <remarks>
/// Everything a plugin opens through its <see cref="IPluginContext"/> (channels, topics,
/// subscriptions, timers) is released by the host after <see cref="StopAsync"/>, even if the plugin
/// forgets. Keep no static state that outlives the plugin: the host unloads its assembly.
/// </remarks>
public interface IMeshPlugin
{
    /// <summary>A short name for people (logs, <c>meshhost plugins list</c>). The manifest's id is what identifies the plugin.</summary>
    string Name { get; }

    /// <summary>The plugin's version; should match its manifest.</summary>
    Version Version { get; }

    /// <summary>
    /// Registers the plugin's services in its own container (the host's logging, configuration and
    /// <see cref="TimeProvider"/> are already there). <paramref name="configuration"/> is the plugin's
    /// section of the host configuration (<c>Plugins:&lt;id&gt;</c>). Must not do I/O.
    /// </summary>
    void ConfigureServices(IServiceCollection services, IConfiguration configuration);

    /// <summary>
    /// Starts the plugin: open channels and topics, register handlers, start background work.
    /// An exception here marks the plugin faulted; the host and the other plugins carry on.
    /// </summary>
    /// <param name="context">The plugin's view of the node; valid until <see cref="StopAsync"/> returns.</param>
    /// <param name="cancellationToken">Cancelled if the host gives up waiting for the start.</param>
    Task StartAsync(IPluginContext context, CancellationToken cancellationToken);

    /// <summary>Stops the plugin; the host waits for it (with a timeout) before releasing what the plugin opened.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
