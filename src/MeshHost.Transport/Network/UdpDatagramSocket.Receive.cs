using System.Net;
using System.Net.Sockets;

namespace MeshHost.Transport.Network;

/// <summary>The receive thread and the socket's lifecycle.</summary>
public sealed partial class UdpDatagramSocket
{
    /// <summary>The receive buffer: the largest possible UDP payload fits, so nothing is ever truncated.</summary>
    private const int ReceiveBufferLength = 64 * 1024;

    /// <summary>How many unexpected receive failures in a row end the loop rather than spin on a broken socket.</summary>
    private const int MaxConsecutiveFailures = 1000;

    /// <summary>How many receiver faults are logged one by one before only every 1000th is.</summary>
    private const int LoggedFaults = 10;

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly Lock _lifecycle = new();
    private Thread? _receiveThread;
    private IDatagramReceiver? _receiver;
    private volatile bool _disposed;

    /// <summary>
    /// Starts the receive thread (a background thread named <c>meshhost-udp-rx</c>), which passes
    /// every datagram to <paramref name="receiver"/> until the socket is disposed.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="receiver"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The socket was already started.</exception>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    public void Start(IDatagramReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        lock (_lifecycle)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_receiveThread is not null)
            {
                throw new InvalidOperationException("The socket is already receiving; Start may be called only once.");
            }

            _receiver = receiver;
            _receiveThread = new Thread(static state => ((UdpDatagramSocket)state!).ReceiveLoop())
            {
                IsBackground = true,
                Name = "meshhost-udp-rx",
            };
            _receiveThread.UnsafeStart(this);
        }
    }

    /// <summary>
    /// Closes the socket and waits (at most 5 seconds, logged if exceeded) for the receive thread
    /// to finish its current datagram and exit; it does not wait when called from that thread.
    /// Idempotent and thread-safe. Later sends return <see cref="DatagramSendResult.Dropped"/>.
    /// </summary>
    public void Dispose()
    {
        Thread? thread;
        lock (_lifecycle)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            thread = _receiveThread;
        }

        // Closing unblocks the pending ReceiveFrom (Interrupted on Linux, OperationAborted on Windows).
        _socket.Dispose();
        if (thread is not null && thread != Thread.CurrentThread && !thread.Join(StopTimeout))
        {
            UdpSocketLog.ReceiveThreadDidNotStop(_logger, StopTimeout);
        }
    }

    private void ReceiveLoop()
    {
        IDatagramReceiver receiver = _receiver!;
        byte[] buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferLength, pinned: true);
        var received = new SocketAddress(_socket.AddressFamily);
        SocketAddress? unmapped = IsDualStack ? new SocketAddress(AddressFamily.InterNetwork) : null;
        int consecutiveFailures = 0;

        while (!_disposed)
        {
            int length;
            try
            {
                length = _socket.ReceiveFrom(buffer, SocketFlags.None, received);
                consecutiveFailures = 0;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException) when (_disposed)
            {
                break;
            }
            catch (SocketException exception)
            {
                _counters.OnReceiveError();
                if (exception.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
                {
                    // An ICMP error for an earlier send (port unreachable), or a datagram larger
                    // than the buffer: both concern one datagram, not the socket.
                    UdpSocketLog.ReceiveError(_logger, exception.SocketErrorCode);
                    continue;
                }

                if (++consecutiveFailures >= MaxConsecutiveFailures)
                {
                    UdpSocketLog.ReceiveLoopAbandoned(_logger, LocalEndPoint, consecutiveFailures, exception);
                    break;
                }

                UdpSocketLog.UnexpectedReceiveError(_logger, exception.SocketErrorCode);
                continue;
            }

            if (_disposed)
            {
                break;
            }

            _counters.OnReceived(length);
            SocketAddress source = received;
            if (unmapped is not null && SocketAddressLayout.IsIPv4MappedIPv6(received))
            {
                SocketAddressLayout.Unmap(received, unmapped);
                source = unmapped;
            }

            try
            {
                receiver.OnDatagram(buffer.AsSpan(0, length), source);
            }
#pragma warning disable CA1031 // Nothing a receiver throws may stop the node's only socket.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                long faults = _counters.OnReceiverFault();
                if (faults <= LoggedFaults || faults % 1000 == 0)
                {
                    UdpSocketLog.ReceiverFault(_logger, faults, exception);
                }
            }
        }
    }
}
