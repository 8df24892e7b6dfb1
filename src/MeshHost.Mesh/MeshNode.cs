using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MeshHost.Dht;
using MeshHost.Mesh.Channels;
using MeshHost.Mesh.Connections;
using MeshHost.Mesh.PubSub;
using MeshHost.Sdk;
using MeshHost.Transport;
using MeshHost.Transport.Discovery;
using MeshHost.Transport.Network;
using MeshHost.Mesh.Nat;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MeshHost.Mesh;

/// <summary>
/// One mesh node: an identity from the data directory, one UDP transport endpoint, the DHT over its
/// sessions, LAN discovery, a connection manager, typed channels, gossip pub/sub and content routing.
/// It is the <see cref="IMesh"/> the host hands to plugins.
/// </summary>
/// <remarks>
/// Thread-safe. Network callbacks decode and queue; handlers run on per-channel workers. Every
/// table is bounded (see docs/mesh.md). Dispose to stop: sessions are closed with a reason and the
/// routing table is saved.
/// </remarks>
public sealed partial class MeshNode : IMesh, IPeerDirectory, IContentRouting, IAsyncDisposable
{
    /// <summary>The mesh protocol version sent in HELLO.</summary>
    internal const int ProtocolVersion = 1;

    /// <summary>The agent string sent in HELLO.</summary>
    internal const string AgentName = "meshhost/0.1";

    private readonly MeshNodeOptions _options;
    private readonly NodeIdentity _identity;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly MeshCounterSet _counters = new();
    private readonly ChannelTable _channels = new();
    private readonly ConcurrentDictionary<Session, PeerConnection> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly long _startedAt;
    private TransportEndpoint _endpoint = null!;
    private DhtNode _dht = null!;
    private GossipRouter _router = null!;
    private LanDiscovery? _lan;
    private ITimer? _maintenanceTimer;
    private readonly NodeSigner _signer;
    private int _disposed;

    private MeshNode(MeshNodeOptions options, NodeIdentity identity, ILoggerFactory loggerFactory)
    {
        _options = options;
        _identity = identity;
        _time = options.TimeProvider ?? TimeProvider.System;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("MeshHost.Mesh");
        _startedAt = _time.GetTimestamp();
        Id = identity.Id;
        LocalId = Id.ToPeerId();
        _signer = new NodeSigner(identity);
    }

    /// <summary>
    /// Loads (or creates) the identity in the data directory, binds the socket, starts LAN discovery,
    /// joins the DHT through the seeds and starts maintenance.
    /// </summary>
    /// <exception cref="IOException">The data directory or identity file cannot be used.</exception>
    /// <exception cref="SocketException">No port could be bound.</exception>
    public static async Task<MeshNode> StartAsync(MeshNodeOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.DataDirectory);
        NodeIdentity identity = NodeIdentity.LoadOrCreate(Path.Combine(options.DataDirectory, "identity.pem"));
        var node = new MeshNode(options, identity, loggerFactory ?? NullLoggerFactory.Instance);
        try
        {
            node.Open();
            await node.JoinAsync(cancellationToken).ConfigureAwait(false);
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>This node's id.</summary>
    public NodeId Id { get; }

    /// <inheritdoc/>
    public PeerId LocalId { get; }

    /// <summary>The endpoint the socket is bound to.</summary>
    public IPEndPoint LocalEndPoint => _endpoint.LocalEndPoint;

    /// <inheritdoc/>
    public IPeerDirectory Peers => this;

    /// <inheritdoc/>
    public IContentRouting Content => this;

    /// <inheritdoc/>
    public INodeSigner Identity => _signer;

    /// <summary>The DHT node (for the host's diagnostics and tests).</summary>
    internal DhtNode Dht => _dht;

    /// <summary>The gossip router (for tests).</summary>
    internal GossipRouter Router => _router;

    /// <summary>The transport endpoint (for tests).</summary>
    internal TransportEndpoint Endpoint => _endpoint;

    /// <summary>LAN discovery, when on (for tests that check where beacons go).</summary>
    internal LanDiscovery? Lan => _lan;

    internal MeshCounterSet Counters => _counters;

    internal TimeProvider Time => _time;

    internal ILogger Logger => _logger;

    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>A snapshot of the node.</summary>
    public MeshStatus GetStatus() => new()
    {
        Id = Id,
        ListenEndPoint = LocalEndPoint,
        AdvertisedEndPoints = AdvertisedEndPoints(),
        Uptime = _time.GetElapsedTime(_startedAt),
        ConnectedPeers = CountReadyPeers(),
        RoutingTableSize = _dht.RoutingTableCount,
        StoredRecords = _dht.StoredRecordCount,
        OpenChannels = _channels.Count,
        Topics = _router.Topics,
        LanBeaconAddress = _lan is null ? null : _options.LanBeaconAddress,
        Counters = _counters.Snapshot(TopicDroppedCount()),
        Nat = GetNatInfo(),
    };

    /// <summary>Stops the node: every session is closed with the reason "node shutting down", the routing table is saved.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _maintenanceTimer?.Dispose();
        _lan?.Dispose();
        _router?.Dispose();
        foreach (LocalChannel channel in _channels.All())
        {
            channel.Dispose();
        }

        if (_endpoint is not null)
        {
            foreach (Session session in _endpoint.Sessions)
            {
                session.Close("node shutting down", CloseCode.Normal);
            }
        }

        if (_dht is not null)
        {
            await _dht.DisposeAsync().ConfigureAwait(false);
        }

        _endpoint?.Dispose();
        CloseDialBackSocket();
        MeshLog.Stopped(_logger, Id.ToShortString());
        _signer.Dispose();
        _identity.Dispose();

        // _stopping is not disposed: work still unwinding reads its token after this returns.
    }

    private void Open()
    {
        // The DHT and the router exist before the socket receives its first datagram.
        DhtOptions dhtOptions = (_options.Dht ?? new DhtOptions()) with { DataDirectory = _options.DataDirectory };
        _dht = new DhtNode(Id, new DhtRpc(this), dhtOptions, _time, _identity, logger: _loggerFactory.CreateLogger("MeshHost.Dht"));
        _router = new GossipRouter(_identity, new PubSubLinks(this), _options.Gossip ?? new GossipOptions(), _time, _loggerFactory.CreateLogger("MeshHost.PubSub"));

        var events = new TransportEvents(this);
        _relaySocket = new RelaySocket(_options.Socket ?? BindWithFallback());
        try
        {
            _endpoint = new TransportEndpoint(_identity, _relaySocket, events, _options.Transport, _time, _loggerFactory);
        }
        catch
        {
            _relaySocket.Dispose();
            throw;
        }

        _endpoint.IndirectPath = static address => RelayAddresses.TryGetIndex(address, out _);
        OpenNat();
        MeshLog.Started(_logger, Id.ToShortString(), LocalEndPoint);

        if (_options.LanBeaconAddress is { } beacon)
        {
            _lan = new LanDiscovery(_endpoint, new LanDiscoveryOptions
            {
                BeaconAddress = beacon,
                FirstPort = MeshNodeOptions.DefaultPort,
                PortCount = MeshNodeOptions.DiscoveryPortCount,
                Interval = _options.LanBeaconInterval,
            }, _time);
            _lan.PeerDiscovered += OnLanPeerDiscovered;
        }
    }

    /// <summary>Binds the UDP socket; the relay decorator goes over it so sessions can run through circuits too.</summary>
    private UdpDatagramSocket BindWithFallback()
    {
        IPEndPoint listen = _options.ListenEndPoint;
        int port = listen.Port;
        while (true)
        {
            try
            {
                return UdpDatagramSocket.Bind(new IPEndPoint(listen.Address, port), new UdpSocketOptions { Logger = _loggerFactory.CreateLogger("MeshHost.Transport.Udp") });
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse && _options.PortFallback && port != 0)
            {
                int last = MeshNodeOptions.DefaultPort + MeshNodeOptions.DiscoveryPortCount - 1;
                int next = port >= MeshNodeOptions.DefaultPort && port < last ? port + 1 : 0;
                MeshLog.PortTaken(_logger, port, next);
                port = next;
            }
        }
    }

    /// <summary>Peers with a ready session: exactly those whose state has a primary connection.</summary>
    private int CountReadyPeers()
    {
        int ready = 0;
        lock (_peersLock)
        {
            foreach (Connections.PeerState state in _peers.Values)
            {
                if (state.Primary is not null)
                {
                    ready++;
                }
            }
        }

        return ready;
    }

    /// <summary>Runs background work whose failure must be logged, never lost.</summary>
    internal void Observe(Task task, string what)
    {
        if (task.IsCompleted)
        {
            LogIfFaulted(task, what);
            return;
        }

        task.ContinueWith(static (t, s) =>
        {
            var (node, name) = ((MeshNode, string))s!;
            node.LogIfFaulted(t, name);
        }, (this, what), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void LogIfFaulted(Task task, string what)
    {
        if (task.IsFaulted && !_stopping.IsCancellationRequested)
        {
            MeshLog.BackgroundFailed(_logger, what, task.Exception!.GetBaseException());
        }
    }
}
