using System.Net;
using MeshHost.Transport.Network;

namespace MeshHost.Mesh.Tests.Nodes;

/// <summary>A real UDP socket on 127.0.0.1 that drops a seeded fraction of the datagrams it sends.</summary>
internal sealed class LossySocket(UdpDatagramSocket inner, double lossRate, int seed) : IDatagramSocket
{
    private readonly Random _random = new(seed);
    private readonly Lock _sync = new();
    private long _dropped;

    public long Dropped => Interlocked.Read(ref _dropped);

    public IPEndPoint LocalEndPoint => inner.LocalEndPoint;

    public int MaxDatagramSize => inner.MaxDatagramSize;

    public DatagramSocketStatistics Statistics => inner.Statistics;

    public static LossySocket Bind(double lossRate, int seed) =>
        new(UdpDatagramSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0)), lossRate, seed);

    public void Start(IDatagramReceiver receiver) => inner.Start(receiver);

    public DatagramSendResult Send(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        bool drop;
        lock (_sync)
        {
            drop = _random.NextDouble() < lossRate;
        }

        if (drop)
        {
            Interlocked.Increment(ref _dropped);
            return DatagramSendResult.Sent;
        }

        return inner.Send(datagram, destination);
    }

    public void Dispose() => inner.Dispose();
}
