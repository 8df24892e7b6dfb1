using System.Buffers.Binary;
using System.Net;

namespace MeshHost.Transport.Discovery;

/// <summary>
/// Sends a beacon naming this node (its NodeId and port) to every port of the discovery range, and
/// recognises other nodes' beacons among unconnected datagrams. Beacons are unauthenticated: a
/// discovered peer is only a hint, to be dialled with its NodeId pinned so the handshake proves it.
/// </summary>
/// <remarks>
/// Beacon payload (inside an unconnected datagram): <c>"MHB1" | NodeId [32] | port u16</c>.
/// Feed every unconnected datagram to <see cref="TryHandle"/>; it returns false for anything that
/// is not a beacon. Thread-safe.
/// </remarks>
public sealed class LanDiscovery : IDisposable
{
    private const int BeaconSize = 4 + NodeId.Size + 2;
    private static ReadOnlySpan<byte> Magic => "MHB1"u8;

    private readonly TransportEndpoint _endpoint;
    private readonly LanDiscoveryOptions _options;
    private readonly ITimer _timer;
    private readonly object _lock = new();
    private readonly Dictionary<NodeId, IPEndPoint> _known = [];
    private readonly Queue<NodeId> _knownOrder = new();
    private long _beaconsSent;
    private long _beaconsReceived;

    /// <summary>Starts beaconing at once and then every <see cref="LanDiscoveryOptions.Interval"/>.</summary>
    public LanDiscovery(TransportEndpoint endpoint, LanDiscoveryOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _endpoint = endpoint;
        _options = options;
        _timer = (timeProvider ?? TimeProvider.System).CreateTimer(static state => ((LanDiscovery)state!).SendBeacons(), this, TimeSpan.Zero, options.Interval);
    }

    /// <summary>Raised (on the endpoint's receive thread) the first time a peer's beacon is seen, and when its address changes.</summary>
    public event Action<NodeId, IPEndPoint>? PeerDiscovered;

    /// <summary>Beacons sent (one per port of the range per interval).</summary>
    public long BeaconsSent => Interlocked.Read(ref _beaconsSent);

    /// <summary>Valid beacons received from other nodes.</summary>
    public long BeaconsReceived => Interlocked.Read(ref _beaconsReceived);

    /// <summary>The destinations one round of beacons goes to.</summary>
    public IReadOnlyList<IPEndPoint> BeaconDestinations
    {
        get
        {
            var destinations = new IPEndPoint[_options.PortCount];
            for (int i = 0; i < destinations.Length; i++)
            {
                destinations[i] = new IPEndPoint(_options.BeaconAddress, _options.FirstPort + i);
            }

            return destinations;
        }
    }

    /// <summary>Recognises a beacon; false (and nothing done) for any other payload.</summary>
    public bool TryHandle(ReadOnlySpan<byte> payload, IPEndPoint source)
    {
        if (payload.Length != BeaconSize || !payload.StartsWith(Magic))
        {
            return false;
        }

        var id = new NodeId(payload.Slice(4, NodeId.Size));
        if (id == _endpoint.LocalId)
        {
            return true; // our own beacon, looped back
        }

        int port = BinaryPrimitives.ReadUInt16BigEndian(payload.Slice(4 + NodeId.Size));
        if (port == 0)
        {
            return true;
        }

        Interlocked.Increment(ref _beaconsReceived);
        var address = new IPEndPoint(source.Address, port);
        lock (_lock)
        {
            if (_known.TryGetValue(id, out IPEndPoint? previous) && previous.Equals(address))
            {
                return true;
            }

            if (previous is null)
            {
                _knownOrder.Enqueue(id);
                while (_knownOrder.Count > _options.MaxRememberedPeers)
                {
                    _known.Remove(_knownOrder.Dequeue());
                }
            }

            _known[id] = address;
        }

        PeerDiscovered?.Invoke(id, address);
        return true;
    }

    /// <summary>Stops beaconing.</summary>
    public void Dispose() => _timer.Dispose();

    private void SendBeacons()
    {
        Span<byte> beacon = stackalloc byte[BeaconSize];
        Magic.CopyTo(beacon);
        _endpoint.LocalId.WriteTo(beacon.Slice(4));
        BinaryPrimitives.WriteUInt16BigEndian(beacon.Slice(4 + NodeId.Size), (ushort)_endpoint.LocalEndPoint.Port);
        for (int i = 0; i < _options.PortCount; i++)
        {
            var destination = new IPEndPoint(_options.BeaconAddress, _options.FirstPort + i);
            if (destination.Port == _endpoint.LocalEndPoint.Port && IPAddress.IsLoopback(_options.BeaconAddress))
            {
                continue; // not to ourselves
            }

            _endpoint.SendUnconnected(beacon, destination);
            Interlocked.Increment(ref _beaconsSent);
        }
    }
}
