using System.Net;
using System.Net.Sockets;
using MeshHost.Transport.Network;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MeshHost.Transport.Testing;

/// <summary>
/// A virtual network of <see cref="InMemoryDatagramSocket"/>s keyed by endpoint, with per-link
/// loss, duplication, reordering, latency, jitter, bandwidth, queue limits, MTU and partitions.
/// Ships in the product for the SDK testing kit; the transport's own tests run on it.
/// </summary>
/// <remarks>
/// <para>
/// Sending copies a datagram into a pooled buffer and schedules its delivery; one timer on the
/// network's <see cref="TimeProvider"/>, armed for the earliest pending delivery, delivers it.
/// Delivery never happens inside <see cref="IDatagramSocket.Send"/>, so a receiver that replies
/// is never re-entered. Deliveries happen in delivery-time order (ties in send order), one at a
/// time across the whole network, so no socket sees concurrent calls.
/// </para>
/// <para>
/// With <see cref="ManualTimeProvider"/> every delivery happens inside
/// <see cref="ManualTimeProvider.Advance"/> at its exact time, and the network is deterministic:
/// the same seed, the same sends and the same clock moves give the same deliveries. With
/// <see cref="TimeProvider.System"/> a thread-pool thread delivers, to the timer's millisecond
/// resolution.
/// </para>
/// <para>All members are thread-safe.</para>
/// </remarks>
public sealed partial class InMemoryNetwork
{
    /// <summary>The first port <see cref="CreateSocket"/> hands out (the IANA dynamic range).</summary>
    private const int FirstVirtualPort = 49152;

    private readonly Lock _sync = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly long _epoch;
    private readonly Dictionary<EndPointKey, InMemoryDatagramSocket> _sockets = [];
    private readonly Dictionary<(EndPointKey From, EndPointKey To), LinkState> _links = [];
    private readonly List<InMemoryNat> _nats = [];
    private int _nextPort = FirstVirtualPort;

    /// <summary>Creates an empty network.</summary>
    /// <param name="time">The clock for delays and delivery; a <see cref="ManualTimeProvider"/> makes the network deterministic.</param>
    /// <param name="seed">Seeds every random choice (loss, duplication, reordering, jitter).</param>
    /// <param name="logger">Where receiver exceptions are logged; null logs nothing.</param>
    /// <exception cref="ArgumentNullException"><paramref name="time"/> is null.</exception>
    public InMemoryNetwork(TimeProvider time, int seed, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _random = new Random(seed);
        _epoch = time.GetTimestamp();
        _roundUpToMilliseconds = ReferenceEquals(time, TimeProvider.System);
        _timer = time.CreateTimer(static state => ((InMemoryNetwork)state!).DeliverDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The clock the network runs on.</summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>
    /// The conditions of every link not given its own with <see cref="SetConditions"/>; a perfect
    /// link unless set. Changing it affects datagrams sent afterwards.
    /// </summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public LinkConditions DefaultConditions
    {
        get => Volatile.Read(ref field);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Volatile.Write(ref field, value);
        }
    } = LinkConditions.Perfect;

    /// <summary>A consistent snapshot of the network's counters.</summary>
    public InMemoryNetworkStatistics Statistics
    {
        get
        {
            lock (_sync)
            {
                return _statistics with { DatagramsInFlight = _pending.Count };
            }
        }
    }

    /// <summary>
    /// Creates a socket bound to <paramref name="endPoint"/>, or to 127.0.0.1 and an unused
    /// virtual port (from 49152 up) when null. A port of 0 is likewise replaced by an unused one.
    /// The address is only a name in this network; no real socket is opened.
    /// </summary>
    /// <exception cref="SocketException"><see cref="SocketError.AddressAlreadyInUse"/>: a socket is already bound there, or no port is free.</exception>
    public InMemoryDatagramSocket CreateSocket(IPEndPoint? endPoint = null) => CreateSocketBehind(endPoint, nat: null);

    /// <summary>
    /// Adds a simulated NAT with a public address of its own; create sockets behind it with
    /// <see cref="InMemoryNat.CreateSocket"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Another NAT already uses the public address.</exception>
    public InMemoryNat AddNat(InMemoryNatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_sync)
        {
            var nat = new InMemoryNat(this, options);
            if (_nats.Exists(n => n.Options.PublicAddress.Equals(options.PublicAddress)))
            {
                throw new ArgumentException($"A NAT already uses {options.PublicAddress}.", nameof(options));
            }

            _nats.Add(nat);
            return nat;
        }
    }

    /// <summary>The network's lock, shared with the NATs it contains.</summary>
    internal Lock SyncRoot => _sync;

    internal InMemoryDatagramSocket CreateSocketBehind(IPEndPoint? endPoint, InMemoryNat? nat)
    {
        IPAddress address = endPoint?.Address ?? IPAddress.Loopback;
        lock (_sync)
        {
            int port = endPoint is { Port: not 0 } ? endPoint.Port : AllocatePort(address);
            var bound = new IPEndPoint(address, port);
            EndPointKey key = EndPointKey.From(bound);
            if (_sockets.ContainsKey(key))
            {
                throw new SocketException((int)SocketError.AddressAlreadyInUse);
            }

            var socket = new InMemoryDatagramSocket(this, bound, key) { Nat = nat };
            _sockets.Add(key, socket);
            return socket;
        }
    }

    /// <summary>
    /// Gives the one-way link from <paramref name="from"/> to <paramref name="to"/> its own
    /// conditions, for datagrams sent afterwards; null returns it to <see cref="DefaultConditions"/>.
    /// The endpoints need not have sockets yet.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="from"/> or <paramref name="to"/> is null.</exception>
    public void SetConditions(IPEndPoint from, IPEndPoint to, LinkConditions? conditions)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        lock (_sync)
        {
            GetLink(EndPointKey.From(from), EndPointKey.From(to)).Conditions = conditions;
        }
    }

    /// <summary>
    /// Cuts both directions between <paramref name="a"/> and <paramref name="b"/>: datagrams sent
    /// across, and those in flight that fall due before <see cref="Heal"/>, are dropped.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> or <paramref name="b"/> is null.</exception>
    public void Partition(IPEndPoint a, IPEndPoint b) => SetPartitioned(a, b, true);

    /// <summary>Reconnects both directions between <paramref name="a"/> and <paramref name="b"/> after <see cref="Partition"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> or <paramref name="b"/> is null.</exception>
    public void Heal(IPEndPoint a, IPEndPoint b) => SetPartitioned(a, b, false);

    internal void Remove(InMemoryDatagramSocket socket)
    {
        lock (_sync)
        {
            if (_sockets.TryGetValue(socket.Key, out InMemoryDatagramSocket? bound) && ReferenceEquals(bound, socket))
            {
                _sockets.Remove(socket.Key);
            }
        }
    }

    private void SetPartitioned(IPEndPoint a, IPEndPoint b, bool partitioned)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        EndPointKey keyA = EndPointKey.From(a);
        EndPointKey keyB = EndPointKey.From(b);
        lock (_sync)
        {
            GetLink(keyA, keyB).Partitioned = partitioned;
            GetLink(keyB, keyA).Partitioned = partitioned;
        }
    }

    private LinkState GetLink(EndPointKey from, EndPointKey to)
    {
        if (!_links.TryGetValue((from, to), out LinkState? link))
        {
            link = new LinkState();
            _links.Add((from, to), link);
        }

        return link;
    }

    private int AllocatePort(IPAddress address)
    {
        for (int attempt = 0; attempt <= ushort.MaxValue - FirstVirtualPort; attempt++)
        {
            int port = _nextPort;
            _nextPort = port == ushort.MaxValue ? FirstVirtualPort : port + 1;
            if (!_sockets.ContainsKey(EndPointKey.From(new IPEndPoint(address, port))))
            {
                return port;
            }
        }

        throw new SocketException((int)SocketError.AddressAlreadyInUse);
    }

    /// <summary>One direction of a link: its conditions and what it currently holds.</summary>
    private sealed class LinkState
    {
        /// <summary>Null: the network's <see cref="DefaultConditions"/>.</summary>
        public LinkConditions? Conditions { get; set; }

        public bool Partitioned { get; set; }

        /// <summary>When (network ticks) the link finishes serializing what it has accepted.</summary>
        public long SerializerFreeAt { get; set; }

        /// <summary>Bytes accepted and not yet delivered or dropped.</summary>
        public long HeldBytes { get; set; }
    }
}
