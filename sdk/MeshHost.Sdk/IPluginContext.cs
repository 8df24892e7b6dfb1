using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace MeshHost.Sdk;

/// <summary>
/// A plugin's view of its node, handed to <see cref="IMeshPlugin.StartAsync"/>: the mesh (channels,
/// topics, content routing, peers), its own data directory, logger, configuration, services and clock.
/// </summary>
/// <remarks>
/// Channels, topics, subscriptions and handlers opened through this context belong to the plugin:
/// the host disposes whatever is still open when the plugin stops. Handlers registered through it
/// are fault-isolated: an exception is logged with the plugin's name and counted, and a plugin that
/// keeps faulting is stopped (see docs/plugins.md).
/// </remarks>
public interface IPluginContext : IMesh
{
    /// <summary>The plugin's id, from its manifest.</summary>
    string PluginId { get; }

    /// <summary>A directory only this plugin uses, under the node's data directory; created before start, kept across restarts.</summary>
    string DataDirectory { get; }

    /// <summary>A logger whose category names the plugin.</summary>
    ILogger Logger { get; }

    /// <summary>The plugin's configuration section (<c>Plugins:&lt;id&gt;</c>).</summary>
    IConfiguration Configuration { get; }

    /// <summary>The plugin's service provider, built from what <see cref="IMeshPlugin.ConfigureServices"/> registered.</summary>
    IServiceProvider Services { get; }

    /// <summary>
    /// The node's clock. Use it for every delay and timer (<c>Task.Delay(t, Time, ct)</c>,
    /// <c>Time.CreateTimer</c>) so tests can drive time; timers created through it are disposed when the plugin stops.
    /// </summary>
    TimeProvider Time { get; }

    /// <summary>Cancelled when the plugin is being stopped: background loops should end on it.</summary>
    CancellationToken Stopping { get; }
}
