using System.Net;
using System.Net.Sockets;
using MeshHost.Transport.Network;
using MeshHost.Transport.Lanes;
using MeshHost.Transport.Recovery;
using MeshHost.Transport.Security;
using Microsoft.Extensions.Logging;

namespace MeshHost.Transport;

/// <summary>
/// An authenticated, encrypted session with one peer. Messages go on lanes: a channel (0-255) and
/// a <see cref="DeliveryMethod"/>; each lane is ordered and reassembled independently.
/// </summary>
/// <remarks>
/// Thread-safe: any thread may send. A send reaches the socket on the calling thread unless another
/// thread is already flushing this session (then that thread sends it in the same packets) or a
/// <see cref="BeginBatch"/> scope is open. Received messages arrive through the endpoint's
/// <see cref="ITransportHandler"/>. See docs/transport.md for the protocol.
/// </remarks>
public sealed partial class Session
{
    internal const int HeaderSize = 1 + ConnectionId.Size + 4;

    /// <summary>Every path carries 1200-byte UDP payloads (the QUIC minimum); MTU discovery goes up from there.</summary>
    internal const int MinimumDatagramSize = 1200;
    internal const int LaneCount = 256 * 5;

    // Credit every session grants before the peer's MAX_DATA arrives, and the per-message overhead
    // that both sides add to a message's length when counting credit: roughly what a message held
    // out of order costs the receiver beyond its bytes (its reassembly object and table entry), so
    // that the window bounds real memory even for floods of tiny messages.
    internal const long InitialCredit = 1024 * 1024;
    internal const int CreditOverheadPerMessage = 256;

    private readonly object _lock = new();
    private readonly TransportEndpoint _endpoint;
    private readonly TransportOptions _options;
    private readonly MonotonicClock _clock;
    private readonly ILogger _logger;
    private readonly SessionKeys _keys;
    private readonly SendLane?[] _sendLanes = new SendLane?[LaneCount];
    private readonly ReceiveLane?[] _receiveLanes = new ReceiveLane?[LaneCount];
    private readonly SentPacketTracker _sent;
    private readonly ReceivedPacketTracker _received;
    private readonly Pacer _pacer;
    private readonly ITimer _timer;

    private SocketAddress _remoteAddress;
    private IPEndPoint _remoteEndPoint;
    private SessionState _state = SessionState.Established;
    private CloseReason? _closeReason;
    private long _lastReceiveTime;
    private long _lastSendTime;
    private long _armedDeadline = long.MaxValue;

    /// <summary>Creates an established session; the endpoint does this when a handshake completes.</summary>
    internal Session(
        TransportEndpoint endpoint,
        bool isInitiator,
        ConnectionId localCid,
        ConnectionId remoteCid,
        SessionKeys keys,
        NodeId remoteId,
        byte[] remotePublicKey,
        SocketAddress remoteAddress,
        IPEndPoint? observedAddress,
        byte[]? initiatorFinish)
    {
        _endpoint = endpoint;
        _options = endpoint.Options;
        _clock = endpoint.Clock;
        _logger = endpoint.Logger;
        _keys = keys;
        IsInitiator = isInitiator;
        LocalCid = localCid;
        RemoteCid = remoteCid;
        RemoteId = remoteId;
        RemotePublicKey = remotePublicKey;
        ObservedAddress = observedAddress;
        _remoteAddress = SocketAddressLayout.Copy(remoteAddress);
        _remoteEndPoint = SocketAddressLayout.ToEndPoint(remoteAddress);
        _finishDatagram = initiatorFinish;
        _handshakeConfirmed = !isInitiator;

        var rtt = new RttEstimator();
        var congestion = new NewRenoCongestionController(MinimumDatagramSize);
        long maxAckDelay = (long)_options.MaxAckDelay.TotalMicroseconds;
        _sent = new SentPacketTracker(rtt, congestion, maxAckDelay);
        _received = new ReceivedPacketTracker(maxAckDelay);
        _pacer = new Pacer(rtt, congestion);
        _datagramSize = MinimumDatagramSize;
        _peerMaxData = InitialCredit;
        // Tell the peer our real window at once. (Granting only InitialCredit here, as before, left
        // a first message of 1 MiB or more without credit for good: credit grows only as messages
        // are delivered.) Validate guarantees the window is at least InitialCredit.
        _creditGranted = _options.ReceiveWindow;
        _maxDataPending = true;

        long now = _clock.NowMicroseconds;
        _lastReceiveTime = now;
        _lastSendTime = now;
        _timer = _clock.TimeProvider.CreateTimer(static state => ((Session)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        InitializeMtuDiscovery(endpoint.MaxSocketDatagramSize);
    }

    /// <summary>The peer's identity, proven during the handshake.</summary>
    public NodeId RemoteId { get; }

    /// <summary>The peer's identity public key (64 bytes, X || Y).</summary>
    public ReadOnlyMemory<byte> RemotePublicKey { get; }

    /// <summary>Where the peer's packets come from now (it changes when the peer's NAT rebinds).</summary>
    public IPEndPoint RemoteEndPoint
    {
        get
        {
            lock (_lock)
            {
                return _remoteEndPoint;
            }
        }
    }

    /// <summary>For the initiator: the address the responder saw us at (our reflexive address); otherwise null.</summary>
    public IPEndPoint? ObservedAddress { get; }

    /// <summary>Whether this node started the handshake.</summary>
    public bool IsInitiator { get; }

    /// <summary>Why the session closed, or null while it is open.</summary>
    public CloseReason? CloseReason
    {
        get
        {
            lock (_lock)
            {
                return _closeReason;
            }
        }
    }

    /// <summary>Whether the session can still send and receive.</summary>
    public bool IsOpen => Volatile.Read(ref _closeReason) is null;

    /// <summary>Sent packets still awaiting acknowledgement or loss (for tests).</summary>
    internal int TrackedPacketCount
    {
        get
        {
            lock (_lock)
            {
                return _sent.OutstandingCount;
            }
        }
    }

    /// <summary>Bytes the send lanes hold, queued or unacknowledged: what <see cref="TransportOptions.SendBufferLimit"/> bounds.</summary>
    internal long BufferedBytes
    {
        get
        {
            lock (_lock)
            {
                return _bufferedBytes;
            }
        }
    }

    /// <summary>Bytes of messages the receive lanes hold for reassembly or ordering, reliable or not.</summary>
    internal long ReassemblyBytes
    {
        get
        {
            lock (_lock)
            {
                long total = 0;
                foreach (ReceiveLane? lane in _receiveLanes)
                {
                    total += lane?.BufferedBytes ?? 0;
                }

                return total;
            }
        }
    }

    /// <summary>Whether a <see cref="SendAsync"/> caller is parked until the send buffer has room.</summary>
    internal bool HasSendWaiter
    {
        get
        {
            lock (_lock)
            {
                return _spaceAvailable is not null;
            }
        }
    }

    internal ConnectionId LocalCid { get; }

    internal ConnectionId RemoteCid { get; }

    /// <inheritdoc/>
    public override string ToString() => $"Session({RemoteId.ToShortString()} at {_remoteEndPoint})";

    private enum SessionState
    {
        Established,
        Closed,
    }
}
