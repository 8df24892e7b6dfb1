using System.Net;
using System.Net.Sockets;

namespace MeshHost.Transport.Tests.Loopback;

/// <summary>
/// A tiny NAT on 127.0.0.1: the client talks to <see cref="ClientFacing"/>; the forwarder relays
/// each datagram to the server from its current outbound socket and relays the server's answers
/// back to the client. <see cref="Rebind"/> swaps the outbound socket for a new one on a new
/// port and closes the old one, as a NAT whose mapping expired, so the server sees the client
/// move to a new address in mid-session.
/// </summary>
internal sealed class UdpForwarder : IAsyncDisposable
{
    private readonly Socket _clientFacing;
    private readonly IPEndPoint _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly Lock _sync = new();
    private Socket _outbound;
    private IPEndPoint? _client;
    private long _relayedToServer;
    private long _relayedToClient;

    public UdpForwarder(IPEndPoint server)
    {
        _server = server;
        _clientFacing = Bind();
        _outbound = Bind();
        _loops.Add(RelayToServerAsync());
        _loops.Add(RelayToClientAsync(_outbound));
    }

    /// <summary>Where the client sends (it takes this for the server's address).</summary>
    public IPEndPoint ClientFacing => (IPEndPoint)_clientFacing.LocalEndPoint!;

    /// <summary>The address the server sees the client at now.</summary>
    public IPEndPoint Outbound
    {
        get
        {
            lock (_sync)
            {
                return (IPEndPoint)_outbound.LocalEndPoint!;
            }
        }
    }

    public long RelayedToServer => Interlocked.Read(ref _relayedToServer);

    public long RelayedToClient => Interlocked.Read(ref _relayedToClient);

    /// <summary>Moves the client's traffic to a new outbound socket (a new port); the old mapping is closed.</summary>
    public void Rebind()
    {
        Socket next = Bind();
        Socket previous;
        lock (_sync)
        {
            previous = _outbound;
            _outbound = next;
            _loops.Add(RelayToClientAsync(next));
        }

        previous.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _clientFacing.Dispose();
        lock (_sync)
        {
            _outbound.Dispose();
        }

        // The loops end on cancellation or on their disposed socket; a fault would surface here.
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private static Socket Bind()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private async Task RelayToServerAsync()
    {
        byte[] buffer = new byte[65_536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _clientFacing.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset && !_stop.IsCancellationRequested)
            {
                continue; // an ICMP error for an earlier send
            }
            catch (Exception ex) when (IsStop(ex))
            {
                return;
            }

            Socket outbound;
            lock (_sync)
            {
                _client = (IPEndPoint)received.RemoteEndPoint;
                outbound = _outbound;
            }

            try
            {
                await outbound.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), SocketFlags.None, _server, _stop.Token);
                Interlocked.Increment(ref _relayedToServer);
            }
            catch (ObjectDisposedException) when (!_stop.IsCancellationRequested)
            {
                // Rebound meanwhile: this datagram is lost, as in a real NAT.
            }
            catch (Exception ex) when (IsStop(ex))
            {
                return;
            }
        }
    }

    private async Task RelayToClientAsync(Socket outbound)
    {
        byte[] buffer = new byte[65_536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await outbound.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset && OwnsOutbound(outbound) && !_stop.IsCancellationRequested)
            {
                continue; // an ICMP error for an earlier send
            }
            catch (Exception ex) when (IsStop(ex) || ex is ObjectDisposedException || (ex is SocketException && !OwnsOutbound(outbound)))
            {
                return; // stopped, or this mapping was closed by Rebind
            }

            IPEndPoint? client;
            lock (_sync)
            {
                client = _client;
            }

            if (client is null)
            {
                continue;
            }

            try
            {
                await _clientFacing.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), SocketFlags.None, client, _stop.Token);
                Interlocked.Increment(ref _relayedToClient);
            }
            catch (Exception ex) when (IsStop(ex))
            {
                return;
            }
        }
    }

    private bool OwnsOutbound(Socket socket)
    {
        lock (_sync)
        {
            return ReferenceEquals(socket, _outbound);
        }
    }

    private bool IsStop(Exception ex) =>
        _stop.IsCancellationRequested && ex is OperationCanceledException or ObjectDisposedException or SocketException;
}
