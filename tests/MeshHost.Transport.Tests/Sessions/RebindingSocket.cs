using System.Net;
using MeshHost.Transport.Network;
using MeshHost.Transport.Testing;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>
/// A node behind a NAT that rebinds: two in-memory sockets stand for the NAT's old and new public
/// address. The node receives on both (the NAT forwards to it either way, until the test cuts the
/// old mapping with a partition) and sends from whichever is current, so its peer sees the same
/// session's packets start arriving from a new address after <see cref="Rebind"/>.
/// </summary>
internal sealed class RebindingSocket : IDatagramSocket
{
    private readonly InMemoryDatagramSocket _first;
    private readonly InMemoryDatagramSocket _second;
    private volatile InMemoryDatagramSocket _current;

    public RebindingSocket(InMemoryNetwork network)
    {
        _first = network.CreateSocket();
        _second = network.CreateSocket();
        _current = _first;
    }

    public IPEndPoint OldEndPoint => _first.LocalEndPoint;

    public IPEndPoint NewEndPoint => _second.LocalEndPoint;

    public IPEndPoint LocalEndPoint => _current.LocalEndPoint;

    public int MaxDatagramSize => _current.MaxDatagramSize;

    public DatagramSocketStatistics Statistics => _current.Statistics;

    /// <summary>From now on, datagrams leave from the second address.</summary>
    public void Rebind() => _current = _second;

    public void Start(IDatagramReceiver receiver)
    {
        _first.Start(receiver);
        _second.Start(receiver);
    }

    public DatagramSendResult Send(ReadOnlySpan<byte> datagram, SocketAddress destination) => _current.Send(datagram, destination);

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
    }
}
