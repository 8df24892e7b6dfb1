using MeshHost.MessagePack;
using MeshHost.Plugins.Runtime;
using MeshHost.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace MeshHost.Plugins;

/// <summary>
/// A running plugin's view of its node (see <see cref="IPluginContext"/>). Everything opened through
/// it is tracked and released when the plugin stops; every handler registered through it is
/// fault-isolated and counted against the plugin. Created by <see cref="PluginInstance"/>.
/// </summary>
public sealed class PluginContext : IPluginContext
{
    private readonly IMesh _mesh;
    private readonly ResourceTracker _tracker;
    private readonly HandlerGuard _guard;

    internal PluginContext(
        string pluginId,
        IMesh mesh,
        string dataDirectory,
        ILogger logger,
        IConfiguration configuration,
        IServiceProvider services,
        TimeProvider time,
        ResourceTracker tracker,
        HandlerGuard guard,
        CancellationToken stopping)
    {
        PluginId = pluginId;
        _mesh = mesh;
        DataDirectory = dataDirectory;
        Logger = logger;
        Configuration = configuration;
        Services = services;
        Time = time;
        _tracker = tracker;
        _guard = guard;
        Stopping = stopping;
        Peers = new TrackedPeerDirectory(tracker, guard, mesh.Peers);
        Content = new TrackedContentRouting(tracker, mesh.Content);
    }

    /// <inheritdoc/>
    public string PluginId { get; }

    /// <inheritdoc/>
    public string DataDirectory { get; }

    /// <inheritdoc/>
    public ILogger Logger { get; }

    /// <inheritdoc/>
    public IConfiguration Configuration { get; }

    /// <inheritdoc/>
    public IServiceProvider Services { get; }

    /// <inheritdoc/>
    public TimeProvider Time { get; }

    /// <inheritdoc/>
    public CancellationToken Stopping { get; }

    /// <inheritdoc/>
    public PeerId LocalId => _mesh.LocalId;

    /// <inheritdoc/>
    public IPeerDirectory Peers { get; }

    /// <inheritdoc/>
    public IContentRouting Content { get; }

    /// <inheritdoc/>
    public INodeSigner Identity => _mesh.Identity;

    /// <summary>How many channels, topics, handlers, subscriptions, timers and provided keys the plugin has open now.</summary>
    public int OpenResourceCount => _tracker.Count;

    /// <inheritdoc/>
    public IChannel<T> OpenChannel<T>(string name, Delivery delivery = Delivery.ReliableOrdered)
        where T : IMessagePackSerializable<T>
    {
        ThrowIfStopping();
        return _tracker.Add(new TrackedChannel<T>(_tracker, _guard, _mesh.OpenChannel<T>(name, delivery)));
    }

    /// <inheritdoc/>
    public IRequestChannel<TRequest, TResponse> OpenRequestChannel<TRequest, TResponse>(string name)
        where TRequest : IMessagePackSerializable<TRequest>
        where TResponse : IMessagePackSerializable<TResponse>
    {
        ThrowIfStopping();
        return _tracker.Add(new TrackedRequestChannel<TRequest, TResponse>(_tracker, _guard, _mesh.OpenRequestChannel<TRequest, TResponse>(name)));
    }

    /// <inheritdoc/>
    public ITopic<T> OpenTopic<T>(string name)
        where T : IMessagePackSerializable<T>
    {
        ThrowIfStopping();
        return _tracker.Add(new TrackedTopic<T>(_tracker, _guard, _mesh.OpenTopic<T>(name)));
    }

    private void ThrowIfStopping()
    {
        if (_guard.IsStopping)
        {
            throw new ObjectDisposedException(nameof(IPluginContext), $"Plugin {PluginId} is stopping; its context can no longer open anything.");
        }
    }
}
