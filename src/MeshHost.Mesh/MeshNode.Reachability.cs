using System.Buffers.Binary;
using System.Net;
using MeshHost.Mesh.Connections;
using MeshHost.Mesh.Nat;
using MeshHost.Transport;
using MeshHost.Transport.Network;

namespace MeshHost.Mesh;

// Dial-back reachability checks (docs/nat.md). Reflexive reports say how peers see a node, not
// whether anyone could reach it unasked: a public address behind a stateful firewall looks exactly
// like a public node. So a node asks two peers at different addresses to send one datagram to the
// endpoint they see it at, from a socket it never talked to (a second socket on the helper, at
// another port). If one arrives, unsolicited traffic reaches the node; if neither does, it does
// not. A helper only ever dials the requester's own session address, once per interval, within the
// node-wide probe budget, so the check cannot aim traffic at anyone else.
public sealed partial class MeshNode
{
    /// <summary>How long a dial-back has to arrive.</summary>
    internal static readonly TimeSpan DialBackTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How often a concluded check is repeated (a firewall or NAT can change under a running node).</summary>
    internal static readonly TimeSpan DialBackInterval = TimeSpan.FromMinutes(10);

    /// <summary>How soon an inconclusive check (too few helpers, refusals) is tried again.</summary>
    internal static readonly TimeSpan DialBackRetry = TimeSpan.FromSeconds(30);

    /// <summary>A helper dials one requester back at most once per this interval.</summary>
    internal static readonly TimeSpan DialBackServeInterval = TimeSpan.FromSeconds(20);

    /// <summary>The helpers asked per check: two, so that one helper unable to send proves nothing.</summary>
    private const int DialBackHelpers = 2;

    /// <summary>"MHD1" | nonce u64: the datagram a helper sends.</summary>
    private static readonly byte[] DialBackMagic = "MHD1"u8.ToArray();

    private const int DialBackSize = 4 + 8;

    private readonly Lock _reachLock = new();
    private readonly Dictionary<ulong, DialBackAttempt> _dialBacks = [];
    private bool? _reachable;
    private long _nextDialBack;
    private int _roundMissed;
    private bool _roundReached;
    private bool _roundOpen;
    private IDatagramSocket? _dialBackSocket;
    private bool _dialBackSocketUnavailable;

    /// <summary>What the last concluded dial-back check found; null before one concluded.</summary>
    private bool? DialBackReachable
    {
        get
        {
            lock (_reachLock)
            {
                return _reachable;
            }
        }
    }

    /// <summary>Whether the node counts as publicly reachable: a dial-back result when there is one, else its NAT class.</summary>
    private bool? IsPubliclyReachable(NatClass value) => DialBackReachable ?? PubliclyReachable(value);

    /// <summary>A public address that no dial-back reaches (a firewall in front of it) is no use as a relay or a dial target.</summary>
    private bool ActsPublic(NatClass value) => value == NatClass.Public && DialBackReachable != false;

    /// <summary>The NAT changed: check reachability again at the next maintenance round.</summary>
    private void CheckReachabilitySoon()
    {
        lock (_reachLock)
        {
            _nextDialBack = 0;
        }
    }

    /// <summary>Maintenance: concludes the check under way, or starts one when due.</summary>
    private void MaintainReachability()
    {
        long now = _time.GetTimestamp();
        var requests = new List<(PeerConnection Helper, ulong Nonce)>();
        bool becameUnreachable = false;
        try
        {
            StartOrConcludeDialBack(now, requests, ref becameUnreachable);
        }
        finally
        {
            if (becameUnreachable)
            {
                MeshLog.Reachability(_logger, false);
                UpdateRelayServing(_nat.Classify(now, _time).Class);
                RequestMaintenance(); // reserve relays and republish the peer record as a NATed node
            }
        }

        foreach ((PeerConnection helper, ulong nonce) in requests)
        {
            SendNat(helper, NatCodec.WithNonce(NatMessageType.DialBackRequest, nonce));
        }
    }

    private void StartOrConcludeDialBack(long now, List<(PeerConnection Helper, ulong Nonce)> requests, ref bool becameUnreachable)
    {
        lock (_reachLock)
        {
            foreach ((ulong nonce, DialBackAttempt attempt) in _dialBacks)
            {
                if (_time.GetElapsedTime(attempt.SentAt, now) >= DialBackTimeout)
                {
                    _dialBacks.Remove(nonce);
                    _roundMissed++;
                }
            }

            if (_dialBacks.Count > 0)
            {
                return; // the round is still open
            }

            if (_roundOpen)
            {
                // Every helper answered, missed or refused: conclude. Silence counts only from two
                // helpers at different addresses; a refusal says nothing.
                _roundOpen = false;
                bool concluded = _roundReached || _roundMissed >= DialBackHelpers;
                if (!_roundReached && _roundMissed >= DialBackHelpers && _reachable != false)
                {
                    _reachable = false;
                    becameUnreachable = true;
                }

                if (_nextDialBack != 0)
                {
                    // (0 means the NAT changed during the round: check again at once.)
                    _nextDialBack = now + Ticks(concluded ? DialBackInterval : DialBackRetry);
                }
            }

            if (_nextDialBack != 0 && now < _nextDialBack)
            {
                return;
            }

            _roundReached = false;
            _roundMissed = 0;
            var addresses = new HashSet<IPAddress>();
            foreach (PeerConnection connection in ReadyPrimaries())
            {
                if (!connection.IsRelayed && requests.Count < DialBackHelpers && addresses.Add(connection.Session.RemoteEndPoint.Address))
                {
                    ulong nonce = SecretNonce();
                    _dialBacks[nonce] = new DialBackAttempt(connection.Id, now);
                    requests.Add((connection, nonce));
                }
            }

            _roundOpen = requests.Count > 0;
            _nextDialBack = now + Ticks(DialBackRetry); // replaced when the round concludes
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>A peer asks to be dialled back at the address its session comes from.</summary>
    private void OnDialBackRequest(PeerConnection connection, ulong nonce)
    {
        long now = _time.GetTimestamp();
        bool allowed = connection.LastDialBackServed == 0 || _time.GetElapsedTime(connection.LastDialBackServed, now) >= DialBackServeInterval;
        IDatagramSocket? socket = allowed ? DialBackSocket() : null;
        if (socket is null || !TakeProbeToken())
        {
            Interlocked.Increment(ref _natCounters.DialBacksRefused);
            SendNat(connection, NatCodec.WithNonce(NatMessageType.DialBackRefused, nonce));
            return;
        }

        connection.LastDialBackServed = now;
        byte[] datagram = new byte[DialBackSize];
        DialBackMagic.CopyTo(datagram, 0);
        BinaryPrimitives.WriteUInt64BigEndian(datagram.AsSpan(4), nonce);
        TransportEndpoint.SendUnconnected(socket, datagram, connection.Session.RemoteEndPoint);
        Interlocked.Increment(ref _natCounters.DialBacksServed);
    }

    /// <summary>A helper could not dial back: the round cannot conclude "unreachable" from its silence.</summary>
    private void OnDialBackRefused(PeerConnection connection, ulong nonce)
    {
        lock (_reachLock)
        {
            if (_dialBacks.TryGetValue(nonce, out DialBackAttempt attempt) && attempt.Helper == connection.Id)
            {
                _dialBacks.Remove(nonce);
            }
        }
    }

    /// <summary>An unconnected datagram that may be a dial-back.</summary>
    private bool TryHandleDialBack(ReadOnlySpan<byte> payload, IPEndPoint source)
    {
        if (payload.Length != DialBackSize || !payload.StartsWith(DialBackMagic))
        {
            return false;
        }

        ulong nonce = BinaryPrimitives.ReadUInt64BigEndian(payload.Slice(4));
        lock (_reachLock)
        {
            if (!_dialBacks.Remove(nonce))
            {
                return true; // stale, or a guess: ignored
            }
        }

        // From an address we hold a session with, it may have come through a flow our NAT or
        // firewall already allows: that proves nothing either way.
        bool conclusive = true;
        foreach (PeerConnection connection in _connections.Values)
        {
            if (connection.Session.RemoteEndPoint.Equals(source))
            {
                conclusive = false;
                break;
            }
        }

        if (conclusive)
        {
            Interlocked.Increment(ref _natCounters.DialBacksReceived);
            bool changed;
            lock (_reachLock)
            {
                _roundReached = true;
                changed = _reachable != true;
                _reachable = true;
            }

            if (changed)
            {
                MeshLog.Reachability(_logger, true);
                UpdateRelayServing(_nat.Classify(_time.GetTimestamp(), _time).Class);
                RequestMaintenance(); // the peer record's status follows
            }
        }

        return true;
    }

    /// <summary>The socket dial-backs are sent from, made on first use; null when this node cannot make one.</summary>
    private IDatagramSocket? DialBackSocket()
    {
        lock (_reachLock)
        {
            if (_dialBackSocket is not null || _dialBackSocketUnavailable)
            {
                return _dialBackSocket;
            }

            try
            {
                _dialBackSocket = _options.DialBackSocket is { } factory
                    ? factory()
                    : _options.Socket is null ? UdpDatagramSocket.Bind(new IPEndPoint(LocalEndPoint.Address, 0)) : null;
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                MeshLog.DialBackSocketUnavailable(_logger, ex.Message);
            }

            _dialBackSocketUnavailable = _dialBackSocket is null;
            return _dialBackSocket;
        }
    }

    private void CloseDialBackSocket()
    {
        lock (_reachLock)
        {
            _dialBackSocket?.Dispose();
            _dialBackSocket = null;
            _dialBackSocketUnavailable = true;
        }
    }

    private readonly record struct DialBackAttempt(NodeId Helper, long SentAt);
}
