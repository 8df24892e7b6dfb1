using System.Net;
using MeshHost.MessagePack;
using MeshHost.Sdk;
using MeshHost.Transport;
using Microsoft.Extensions.Logging;

namespace MeshHost.Mesh;

/// <summary>
/// One mesh node: identity, transport endpoint, DHT, LAN discovery, connection manager, channels,
/// gossip pub/sub and content routing. STUB: the API the host is written against.
/// </summary>
public sealed partial class MeshNode : IMesh, IPeerDirectory, IContentRouting, IAsyncDisposable
{
    internal MeshNode(NodeId id, IPEndPoint local)
    {
        Id = id;
        LocalEndPoint = local;
    }

    /// <summary>Loads (or creates) the identity, binds the socket, joins through the seeds and starts maintenance.</summary>
    public static Task<MeshNode> StartAsync(MeshNodeOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ = loggerFactory;
        _ = cancellationToken;
        throw new NotSupportedException("stub");
    }

    /// <summary>This node's id.</summary>
    public NodeId Id { get; }

    /// <inheritdoc/>
    public PeerId LocalId => default;

    /// <summary>The endpoint the socket is bound to.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <inheritdoc/>
    public IPeerDirectory Peers => this;

    /// <inheritdoc/>
    public IContentRouting Content => this;

    /// <inheritdoc/>
    public IReadOnlyList<ConnectedPeer> Connected => [];

    /// <inheritdoc/>
    public event Action<PeerId>? PeerJoined;

    /// <inheritdoc/>
    public event Action<PeerId>? PeerLeft;

    /// <summary>A snapshot of the node.</summary>
    public MeshStatus GetStatus() => throw new NotSupportedException("stub");

    /// <summary>Finds a node: its live session, else its signed peer record in the DHT.</summary>
    public Task<PeerLookup> FindPeerAsync(NodeId id, CancellationToken cancellationToken = default) => throw new NotSupportedException("stub");

    /// <inheritdoc/>
    public Task ConnectAsync(PeerId peer, CancellationToken cancellationToken = default) => throw new NotSupportedException("stub");

    /// <inheritdoc/>
    public IChannel<T> OpenChannel<T>(string name, Delivery delivery = Delivery.ReliableOrdered)
        where T : IMessagePackSerializable<T> => throw new NotSupportedException("stub");

    /// <inheritdoc/>
    public IRequestChannel<TRequest, TResponse> OpenRequestChannel<TRequest, TResponse>(string name)
        where TRequest : IMessagePackSerializable<TRequest>
        where TResponse : IMessagePackSerializable<TResponse> => throw new NotSupportedException("stub");

    /// <inheritdoc/>
    public ITopic<T> OpenTopic<T>(string name)
        where T : IMessagePackSerializable<T> => throw new NotSupportedException("stub");

    /// <inheritdoc/>
    public Task<int> ProvideAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default) => throw new NotSupportedException("stub");

    /// <inheritdoc/>
    public void StopProviding(ReadOnlyMemory<byte> key) => throw new NotSupportedException("stub");

    /// <inheritdoc/>
    public Task<IReadOnlyList<PeerId>> FindProvidersAsync(ReadOnlyMemory<byte> key, int maxCount = 20, CancellationToken cancellationToken = default) => throw new NotSupportedException("stub");

    /// <summary>Stops the node: every session is closed with the reason "node shutting down", the routing table is saved.</summary>
    public ValueTask DisposeAsync()
    {
        PeerJoined?.Invoke(default);
        PeerLeft?.Invoke(default);
        return ValueTask.CompletedTask;
    }
}
