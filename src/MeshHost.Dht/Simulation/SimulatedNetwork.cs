using System.Net;
using MeshHost.Dht.Protocol;
using MeshHost.Transport;

namespace MeshHost.Dht.Simulation;

/// <summary>
/// An in-memory network of DHT nodes on a <see cref="SimulationClock"/>: every request and
/// response is encoded to MessagePack bytes and decoded again (with the message size limit), so
/// encoding bugs show in simulation; each message takes a random latency and may be lost; failed
/// nodes drop everything silently, as a crashed or departed node would.
/// </summary>
/// <remarks>Single-threaded, like its clock. Seeded: the same seed gives the same run.</remarks>
public sealed class SimulatedNetwork
{
    private readonly Dictionary<IPEndPoint, Host> _hosts = new();
    private readonly Random _random;

    /// <summary>Creates a network on <paramref name="clock"/> whose randomness comes from <paramref name="seed"/>.</summary>
    public SimulatedNetwork(SimulationClock clock, int seed)
    {
        ArgumentNullException.ThrowIfNull(clock);
        Clock = clock;
        _random = new Random(seed);
    }

    /// <summary>The virtual clock.</summary>
    public SimulationClock Clock { get; }

    /// <summary>The shortest one-way latency (default 10 ms).</summary>
    public TimeSpan MinLatency { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest one-way latency (default 80 ms); each message draws uniformly in between.</summary>
    public TimeSpan MaxLatency { get; set; } = TimeSpan.FromMilliseconds(80);

    /// <summary>Probability that any one message (request or response) is lost, 0 to 1.</summary>
    public double LossRate { get; set; }

    /// <summary>Largest message delivered (default 16 KiB); larger ones are dropped, as decode would refuse them.</summary>
    public int MaxMessageBytes { get; set; } = 16 * 1024;

    /// <summary>Messages sent so far (requests and responses).</summary>
    public long MessagesSent { get; private set; }

    /// <summary>Bytes sent so far.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Attaches a node listening at <paramref name="self"/>; returns the client it sends with.</summary>
    public IDhtRpcClient Attach(DhtContact self, IDhtRequestHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var host = new Host(this, self, handler);
        _hosts[self.EndPoint] = host;
        return host;
    }

    /// <summary>Attaches a node whose handler is set later (the node needs its client first).</summary>
    public IDhtRpcClient Attach(DhtContact self, out Action<IDhtRequestHandler> setHandler)
    {
        var host = new Host(this, self, null);
        _hosts[self.EndPoint] = host;
        setHandler = h => host.Handler = h;
        return host;
    }

    /// <summary>Marks the node at <paramref name="endPoint"/> failed (drops all traffic) or alive again.</summary>
    public void SetFailed(IPEndPoint endPoint, bool failed) => _hosts[endPoint].Failed = failed;

    /// <summary>Whether the node at <paramref name="endPoint"/> is failed.</summary>
    public bool IsFailed(IPEndPoint endPoint) => _hosts.TryGetValue(endPoint, out Host? host) && host.Failed;

    private TimeSpan Latency() =>
        MinLatency + TimeSpan.FromTicks((long)(_random.NextDouble() * (MaxLatency - MinLatency).Ticks));

    private bool Lost() => LossRate > 0 && _random.NextDouble() < LossRate;

    private ValueTask<DhtResponse?> Send(Host from, DhtContact to, DhtRequest request, CancellationToken cancellationToken)
    {
        if (from.Failed)
        {
            return new ValueTask<DhtResponse?>((DhtResponse?)null);
        }

        byte[] bytes = DhtCodec.Encode(request);
        MessagesSent++;
        BytesSent += bytes.Length;
        var exchange = new Exchange(this, from, to, bytes);
        if (cancellationToken.CanBeCanceled)
        {
            exchange.Registration = cancellationToken.UnsafeRegister(static s => ((Exchange)s!).Completion.TrySetResult(null), exchange);
        }

        if (!Lost() && bytes.Length <= MaxMessageBytes)
        {
            Clock.Schedule(Latency(), static s => ((Exchange)s!).DeliverRequest(), exchange);
        }

        return new ValueTask<DhtResponse?>(exchange.Completion.Task);
    }

    private sealed class Exchange(SimulatedNetwork network, Host from, DhtContact to, byte[] request)
    {
        private byte[]? _response;

        public TaskCompletionSource<DhtResponse?> Completion { get; } = new();

        public CancellationTokenRegistration Registration { get; set; }

        public void DeliverRequest()
        {
            if (Completion.Task.IsCompleted || !network._hosts.TryGetValue(to.EndPoint, out Host? target) || target.Failed
                || target.Handler is null || (to.Id != default && to.Id != target.Self.Id))
            {
                // Nobody there, or a different node than expected (the handshake would fail): silence.
                return;
            }

            DhtRequest? decoded = DhtCodec.DecodeRequest(request, network.MaxMessageBytes);
            DhtResponse response = decoded is null
                ? new ErrorResponse { Reason = "undecodable" }
                : target.Handler.Handle(from.Self, decoded);
            _response = DhtCodec.Encode(response);
            network.MessagesSent++;
            network.BytesSent += _response.Length;
            if (!network.Lost() && _response.Length <= network.MaxMessageBytes)
            {
                network.Clock.Schedule(network.Latency(), static s => ((Exchange)s!).DeliverResponse(), this);
            }
        }

        public void DeliverResponse()
        {
            if (from.Failed)
            {
                return;
            }

            Registration.Dispose();
            Completion.TrySetResult(DhtCodec.DecodeResponse(_response, network.MaxMessageBytes));
        }
    }

    private sealed class Host(SimulatedNetwork network, DhtContact self, IDhtRequestHandler? handler) : IDhtRpcClient
    {
        public DhtContact Self { get; } = self;

        public IDhtRequestHandler? Handler { get; set; } = handler;

        public bool Failed { get; set; }

        public ValueTask<DhtResponse?> SendAsync(DhtContact to, DhtRequest request, CancellationToken cancellationToken)
            => network.Send(this, to, request, cancellationToken);
    }
}
