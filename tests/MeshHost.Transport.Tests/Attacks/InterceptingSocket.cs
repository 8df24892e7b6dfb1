using System.Net;
using System.Net.Sockets;
using MeshHost.Transport.Network;

namespace MeshHost.Transport.Tests.Attacks;

/// <summary>What a hook decides for one datagram: pass it (possibly rewritten) or drop it.</summary>
/// <param name="Datagram">The bytes to pass on; null drops the datagram.</param>
internal readonly record struct Verdict(byte[]? Datagram)
{
    public static Verdict Drop => new(null);

    public static Verdict Pass(byte[] datagram) => new(datagram);
}

/// <summary>One datagram as the decorator saw it, in the order it saw them.</summary>
/// <param name="Outgoing">True for a datagram the endpoint sent, false for one it received.</param>
internal sealed record SeenDatagram(bool Outgoing, byte[] Data, IPEndPoint Peer);

/// <summary>
/// An <see cref="IDatagramSocket"/> decorator that sits between an endpoint and its real socket
/// (in-memory or UDP) and lets a test play the attacker: capture what goes either way, rewrite or
/// drop it with hooks, inject datagrams as if they came from any address, and account the bytes
/// exchanged with each address (for the 3x anti-amplification rule).
/// </summary>
/// <remarks>
/// Thread-safe. Hooks and accounting run under one lock; <see cref="Inject"/> calls the endpoint
/// outside it, so on the in-memory network the test must inject from the thread that drives the
/// clock (then it never runs concurrently with a delivery).
/// </remarks>
internal sealed class InterceptingSocket : IDatagramSocket, IDatagramReceiver
{
    private readonly IDatagramSocket _inner;
    private readonly Lock _sync = new();
    private readonly List<SeenDatagram> _seen = [];
    private readonly List<Exception> _faults = [];
    private readonly Dictionary<IPEndPoint, AddressTraffic> _traffic = [];
    private IDatagramReceiver? _receiver;

    public InterceptingSocket(IDatagramSocket inner)
    {
        _inner = inner;
    }

    /// <summary>Rewrites or drops what the endpoint sends; null passes everything.</summary>
    public Func<byte[], IPEndPoint, Verdict>? OnSend { get; set; }

    /// <summary>Rewrites or drops what the endpoint would receive; null passes everything.</summary>
    public Func<byte[], IPEndPoint, Verdict>? OnReceive { get; set; }

    /// <summary>Whether every datagram (after the hooks) is kept in <see cref="Seen"/>.</summary>
    public bool Capture { get; set; } = true;

    /// <summary>Whether bytes per address are counted (off for floods of random sources, to keep memory flat).</summary>
    public bool TrackAddresses { get; set; } = true;

    /// <summary>When set, receiving and sending silently stop (a peer that vanished without a word).</summary>
    public bool Muted { get; set; }

    public IPEndPoint LocalEndPoint => _inner.LocalEndPoint;

    public int MaxDatagramSize => _inner.MaxDatagramSize;

    public DatagramSocketStatistics Statistics => _inner.Statistics;

    /// <summary>Datagrams delivered to the endpoint by <see cref="Inject"/>.</summary>
    public long Injected { get; private set; }

    public void Start(IDatagramReceiver receiver)
    {
        _receiver = receiver;
        _inner.Start(this);
    }

    public DatagramSendResult Send(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        if (Muted)
        {
            return DatagramSendResult.Sent;
        }

        Func<byte[], IPEndPoint, Verdict>? hook = OnSend;
        if (hook is null && !Capture && !TrackAddresses)
        {
            return _inner.Send(datagram, destination);
        }

        IPEndPoint peer = ToEndPoint(destination);
        byte[]? data = datagram.ToArray();
        lock (_sync)
        {
            if (hook is not null)
            {
                data = hook(data, peer).Datagram;
            }

            if (data is null)
            {
                return DatagramSendResult.Sent; // dropped on the path, as UDP may
            }

            Record(outgoing: true, data, peer);
        }

        return data.Length == datagram.Length && data.AsSpan().SequenceEqual(datagram)
            ? _inner.Send(datagram, destination)
            : _inner.Send(data, destination);
    }

    void IDatagramReceiver.OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        if (Muted)
        {
            return;
        }

        Func<byte[], IPEndPoint, Verdict>? hook = OnReceive;
        if (hook is null && !Capture && !TrackAddresses)
        {
            Deliver(datagram, source);
            return;
        }

        IPEndPoint peer = ToEndPoint(source);
        byte[]? data = datagram.ToArray();
        lock (_sync)
        {
            if (hook is not null)
            {
                data = hook(data, peer).Datagram;
            }

            if (data is null)
            {
                return;
            }

            Record(outgoing: false, data, peer);
        }

        Deliver(data, source);
    }

    private void Deliver(ReadOnlySpan<byte> data, SocketAddress source)
    {
        try
        {
            _receiver!.OnDatagram(data, source);
        }
        catch (Exception ex)
        {
            // The real socket would swallow (and count) it; keep it so the test can say what it was.
            lock (_sync)
            {
                _faults.Add(ex);
            }

            throw;
        }
    }

    /// <summary>Exceptions that escaped the endpoint's OnDatagram for datagrams the network delivered.</summary>
    public Exception[] Faults()
    {
        lock (_sync)
        {
            return [.. _faults];
        }
    }

    /// <summary>Hands <paramref name="datagram"/> to the endpoint as if <paramref name="source"/> had sent it; exceptions reach the caller.</summary>
    public void Inject(ReadOnlySpan<byte> datagram, IPEndPoint source) => Inject(datagram, source.Serialize());

    /// <summary>As <see cref="Inject(ReadOnlySpan{byte}, IPEndPoint)"/>, with a socket address the caller may reuse.</summary>
    public void Inject(ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        if (TrackAddresses || Capture)
        {
            lock (_sync)
            {
                Record(outgoing: false, datagram.ToArray(), ToEndPoint(source));
            }
        }

        Injected++;
        _receiver!.OnDatagram(datagram, source);
    }

    /// <summary>A copy of everything seen so far.</summary>
    public SeenDatagram[] Seen()
    {
        lock (_sync)
        {
            return [.. _seen];
        }
    }

    public void ClearSeen()
    {
        lock (_sync)
        {
            _seen.Clear();
        }
    }

    /// <summary>Bytes sent to and received from <paramref name="peer"/>, and the worst excess of sent over 3x received at any send.</summary>
    public AddressTraffic TrafficWith(IPEndPoint peer)
    {
        lock (_sync)
        {
            return _traffic.TryGetValue(peer, out AddressTraffic? traffic) ? traffic.Clone() : new AddressTraffic();
        }
    }

    /// <summary>A snapshot of the traffic with every address seen.</summary>
    public Dictionary<IPEndPoint, AddressTraffic> Traffic()
    {
        lock (_sync)
        {
            var copy = new Dictionary<IPEndPoint, AddressTraffic>(_traffic.Count);
            foreach (KeyValuePair<IPEndPoint, AddressTraffic> pair in _traffic)
            {
                copy.Add(pair.Key, pair.Value.Clone());
            }

            return copy;
        }
    }

    public void Dispose() => _inner.Dispose();

    private void Record(bool outgoing, byte[] data, IPEndPoint peer)
    {
        if (Capture)
        {
            _seen.Add(new SeenDatagram(outgoing, data, peer));
        }

        if (!TrackAddresses)
        {
            return;
        }

        if (!_traffic.TryGetValue(peer, out AddressTraffic? traffic))
        {
            traffic = new AddressTraffic();
            _traffic.Add(peer, traffic);
        }

        if (outgoing)
        {
            traffic.BytesSent += data.Length;
            traffic.DatagramsSent++;
            traffic.WorstExcess = Math.Max(traffic.WorstExcess, traffic.BytesSent - (3 * traffic.BytesReceived));
        }
        else
        {
            traffic.BytesReceived += data.Length;
            traffic.DatagramsReceived++;
        }
    }

    private static IPEndPoint ToEndPoint(SocketAddress address)
    {
        IPEndPoint template = address.Family == AddressFamily.InterNetworkV6
            ? new IPEndPoint(IPAddress.IPv6Any, 0)
            : new IPEndPoint(IPAddress.Any, 0);
        return (IPEndPoint)template.Create(address);
    }
}

/// <summary>Bytes and datagrams exchanged with one address, as one endpoint saw them.</summary>
internal sealed class AddressTraffic
{
    public long BytesSent { get; set; }

    public long BytesReceived { get; set; }

    public long DatagramsSent { get; set; }

    public long DatagramsReceived { get; set; }

    /// <summary>The largest value of (bytes sent - 3 x bytes received) right after any send; positive means amplification beyond 3x.</summary>
    public long WorstExcess { get; set; } = long.MinValue;

    public AddressTraffic Clone() => (AddressTraffic)MemberwiseClone();
}
