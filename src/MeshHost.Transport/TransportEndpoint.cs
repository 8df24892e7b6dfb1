using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MeshHost.Transport.Network;
using MeshHost.Transport.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MeshHost.Transport;

/// <summary>
/// One node's transport: a datagram socket, the sessions on it, and the handshakes that create
/// them. Every datagram the socket receives is dispatched here (on its receive thread): Data
/// packets to their session by connection id, handshake packets to the pending handshakes, and
/// unconnected datagrams to the handler.
/// </summary>
public sealed partial class TransportEndpoint : IDatagramReceiver, IDisposable
{
    private const int ScratchSize = 65_536;

    private readonly ConcurrentDictionary<ConnectionId, Session> _sessions = new();
    private readonly object _handshakeLock = new();
    private readonly Dictionary<ConnectionId, PendingConnect> _connecting = [];
    private readonly Dictionary<ConnectionId, PendingAccept> _accepting = [];
    private readonly Dictionary<ConnectionId, PendingAccept> _acceptingByInitiator = [];
    private readonly RetryTokens _retryTokens;
    private readonly TokenBucket _handshakeRate;
    private readonly ITimer _maintenanceTimer;
    private readonly byte[] _scratch = new byte[ScratchSize];
    private readonly byte[] _handshakeScratch = new byte[4096];
    private EndpointCounters _counters;
    private int _disposed;

    /// <summary>Creates an endpoint on <paramref name="socket"/> and starts receiving.</summary>
    /// <param name="identity">This node's identity key; the endpoint does not dispose it.</param>
    /// <param name="socket">The datagram socket; the endpoint owns and disposes it.</param>
    /// <param name="handler">Receives sessions, messages and unconnected datagrams.</param>
    /// <param name="options">Settings; the defaults when null.</param>
    /// <param name="timeProvider">The clock for every timer; the system clock when null.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    public TransportEndpoint(
        NodeIdentity identity,
        IDatagramSocket socket,
        ITransportHandler handler,
        TransportOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(handler);
        Options = options ?? new TransportOptions();
        Options.Validate();
        Identity = identity;
        Socket = socket;
        Handler = handler;
        TimeProvider time = timeProvider ?? TimeProvider.System;
        Clock = new MonotonicClock(time);
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("MeshHost.Transport");
        _retryTokens = new RetryTokens(time, TimeSpan.FromSeconds(10));
        _handshakeRate = new TokenBucket(Options.MaxHandshakesPerSecond);
        _maintenanceTimer = time.CreateTimer(static state => ((TransportEndpoint)state!).OnMaintenance(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        socket.Start(this);
    }

    /// <summary>Binds a UDP socket (port 0 picks a free one) and creates an endpoint on it.</summary>
    public static TransportEndpoint Bind(
        IPEndPoint localEndPoint,
        NodeIdentity identity,
        ITransportHandler handler,
        TransportOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null)
    {
        ILogger? socketLogger = loggerFactory?.CreateLogger("MeshHost.Transport.Udp");
        var socket = UdpDatagramSocket.Bind(localEndPoint, new UdpSocketOptions { Logger = socketLogger });
        try
        {
            return new TransportEndpoint(identity, socket, handler, options, timeProvider, loggerFactory);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>This node's identity.</summary>
    public NodeIdentity Identity { get; }

    /// <summary>This node's id.</summary>
    public NodeId LocalId => Identity.Id;

    /// <summary>The socket's local address.</summary>
    public IPEndPoint LocalEndPoint => Socket.LocalEndPoint;

    /// <summary>The settings in force.</summary>
    public TransportOptions Options { get; }

    /// <summary>The sessions open now.</summary>
    public IReadOnlyCollection<Session> Sessions => [.. _sessions.Values];

    /// <summary>
    /// Says which addresses are indirect paths (relay circuits): a session on a direct path does not
    /// follow its peer to one of them. Null: every address is direct. Set before sessions exist.
    /// </summary>
    public Func<SocketAddress, bool>? IndirectPath { get; set; }

    /// <summary>A snapshot of the endpoint's counters (drops by cause, handshakes).</summary>
    public EndpointStatistics Statistics => _counters.Snapshot(Socket.Statistics);

    internal IDatagramSocket Socket { get; }

    internal ITransportHandler Handler { get; }

    internal MonotonicClock Clock { get; }

    internal ILogger Logger { get; }

    internal int MaxSocketDatagramSize => Socket.MaxDatagramSize;

    /// <summary>
    /// Opens a session to <paramref name="remote"/>. Completes after one round trip (two when the
    /// responder demands address validation) with an established session.
    /// </summary>
    /// <param name="remote">The peer's address.</param>
    /// <param name="expectedPeer">When set, the peer must prove this identity; otherwise the connect fails with <see cref="HandshakeFailedException"/>.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <exception cref="HandshakeFailedException">The peer proved another identity, or its answers were invalid.</exception>
    /// <exception cref="TimeoutException">No valid answer within <see cref="TransportOptions.ConnectTimeout"/>.</exception>
    public Task<Session> ConnectAsync(IPEndPoint remote, NodeId? expectedPeer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<Session>(cancellationToken);
        }

        var pending = new PendingConnect(this, remote, expectedPeer, cancellationToken);
        lock (_handshakeLock)
        {
            _connecting.Add(pending.LocalCid, pending);
        }

        pending.Start();
        return pending.Task;
    }

    /// <summary>
    /// Sends an unconnected datagram (type 0x05 then <paramref name="payload"/>): discovery beacons,
    /// punching probes. Unauthenticated and unreliable; the receiver's handler gets the payload.
    /// </summary>
    public DatagramSendResult SendUnconnected(ReadOnlySpan<byte> payload, IPEndPoint destination) =>
        SendUnconnected(Socket, payload, destination);

    /// <summary>
    /// Sends an unconnected datagram from another <paramref name="socket"/> than an endpoint's: a
    /// reachability dial-back must come from a source its receiver never sent to.
    /// </summary>
    public static DatagramSendResult SendUnconnected(IDatagramSocket socket, ReadOnlySpan<byte> payload, IPEndPoint destination)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(destination);
        if (payload.Length + 1 > socket.MaxDatagramSize)
        {
            return DatagramSendResult.TooLarge;
        }

        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(payload.Length + 1);
        try
        {
            buffer[0] = PacketTypes.Unconnected;
            payload.CopyTo(buffer.AsSpan(1));
            return socket.Send(buffer.AsSpan(0, payload.Length + 1), ToPeerAddress(destination));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Closes every session (the peers read <see cref="CloseCode.EndpointShutdown"/>) and the socket.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _maintenanceTimer.Dispose();
        foreach (Session session in _sessions.Values)
        {
            session.Close("endpoint shutting down", CloseCode.EndpointShutdown);
        }

        List<PendingConnect> connecting;
        lock (_handshakeLock)
        {
            connecting = [.. _connecting.Values];
            _connecting.Clear();
            foreach (PendingAccept accept in _accepting.Values)
            {
                accept.Responder.Dispose();
            }

            _accepting.Clear();
            _acceptingByInitiator.Clear();
        }

        foreach (PendingConnect pending in connecting)
        {
            pending.Fail(new ObjectDisposedException(nameof(TransportEndpoint)));
        }

        Socket.Dispose();
    }

    void IDatagramReceiver.OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        if (datagram.IsEmpty)
        {
            _counters.Malformed++;
            return;
        }

        switch (datagram[0])
        {
            case PacketTypes.Data:
                OnData(datagram, source);
                break;
            case PacketTypes.Initial:
                OnInitial(datagram, source);
                break;
            case PacketTypes.Retry:
                OnRetry(datagram, source);
                break;
            case PacketTypes.Handshake:
                OnHandshake(datagram, source);
                break;
            case PacketTypes.Unconnected:
                OnUnconnected(datagram.Slice(1), source);
                break;
            default:
                _counters.Malformed++;
                break;
        }
    }

    internal bool IsIndirect(SocketAddress address) => IndirectPath?.Invoke(address) ?? false;

    internal void CountMalformed() => _counters.Malformed++;

    internal void CountHandlerFault() => Interlocked.Increment(ref _counters.HandlerFaults);

    internal void OnSessionClosed(Session session)
    {
        if (_sessions.TryRemove(new KeyValuePair<ConnectionId, Session>(session.LocalCid, session)))
        {
            try
            {
                Handler.OnSessionClosed(session, session.CloseReason!);
            }
            catch (Exception ex)
            {
                CountHandlerFault();
                TransportLog.HandlerFault(Logger, session.RemoteId.ToShortString(), ex);
            }
        }
    }

    internal void OnSessionMigrated(Session session) => Interlocked.Increment(ref _counters.Migrations);

    /// <summary>
    /// The socket address for <paramref name="endPoint"/>, in the form the socket reports peers
    /// (IPv4 peers of a dual-stack socket appear as plain IPv4), so that addresses compare equal.
    /// </summary>
    internal static SocketAddress ToPeerAddress(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6
            ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port).Serialize()
            : endPoint.Serialize();

    private void OnData(ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        if (datagram.Length < Session.HeaderSize)
        {
            _counters.Malformed++;
            return;
        }

        var cid = ConnectionId.Read(datagram.Slice(1));
        if (_sessions.TryGetValue(cid, out Session? session))
        {
            try
            {
                session.OnDataPacket(datagram, source, _scratch);
            }
            catch (Exception ex)
            {
                // A defect in one session must not leave it half-updated and failing on every packet.
                session.Fault("receive", ex);
            }
        }
        else
        {
            // Unknown id: misrouted, from a closed session, or early data racing the initiator's
            // finish (its frames are retransmitted after the session exists).
            _counters.UnknownConnection++;
        }
    }

    private void OnUnconnected(ReadOnlySpan<byte> payload, SocketAddress source)
    {
        _counters.UnconnectedReceived++;
        try
        {
            Handler.OnUnconnectedDatagram(payload, SocketAddressLayout.ToEndPoint(source));
        }
        catch (Exception ex)
        {
            CountHandlerFault();
            TransportLog.HandlerFault(Logger, "unconnected", ex);
        }
    }

    private void OnMaintenance()
    {
        try
        {
            ExpireHandshakes();
        }
        catch (Exception ex)
        {
            TransportLog.MaintenanceFault(Logger, ex);
        }
    }

    private void ExpireHandshakes()
    {
        // Pending accepts that never finished are dropped after the connect timeout, so a flood of
        // half-open handshakes cannot hold state.
        long now = Clock.NowMicroseconds;
        long limit = (long)Options.ConnectTimeout.TotalMicroseconds;
        lock (_handshakeLock)
        {
            List<PendingAccept>? expired = null;
            foreach (PendingAccept accept in _accepting.Values)
            {
                if (now - accept.CreatedAt > limit)
                {
                    (expired ??= []).Add(accept);
                }
            }

            if (expired is not null)
            {
                foreach (PendingAccept accept in expired)
                {
                    RemoveAccept(accept);
                    _counters.HandshakesExpired++;
                }
            }
        }
    }
}
