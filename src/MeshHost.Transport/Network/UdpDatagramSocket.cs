using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MeshHost.Transport.Network;

/// <summary>
/// The product's <see cref="IDatagramSocket"/>: one OS UDP socket, received on a dedicated
/// background thread into a reused buffer, sent synchronously from the caller's thread. Neither
/// path allocates per datagram.
/// </summary>
/// <remarks>
/// Create it with <see cref="Bind"/>. Thread-safety as described on <see cref="IDatagramSocket"/>.
/// </remarks>
public sealed partial class UdpDatagramSocket : IDatagramSocket
{
    /// <summary>The largest UDP payload over IPv4: 65,535 minus the 20-byte IPv4 and 8-byte UDP headers.</summary>
    public const int MaxIPv4DatagramSize = 65_507;

    /// <summary>The largest UDP payload over IPv6 without jumbograms: 65,535 minus the 8-byte UDP header.</summary>
    public const int MaxIPv6DatagramSize = 65_527;

    // Linux socket option numbers (<netinet/in.h>); .NET exposes no named options for them.
    private const int IPProtoIP = 0;
    private const int IPProtoIPv6 = 41;
    private const int LinuxIPMtuDiscover = 10;
    private const int LinuxIPPmtuDiscDo = 2;
    private const int LinuxIPv6DontFrag = 62;
    private const int WindowsIPv6DontFrag = 14;
    private const int MacOSIPv6DontFrag = 62;
    // SIO_UDP_CONNRESET: stops Windows from failing the next receive after an ICMP port unreachable.
    private const int WindowsSioUdpConnReset = unchecked((int)0x9800000C);

    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly DatagramCounters _counters = new();

    // A dual-stack socket needs IPv4 destinations as ::ffff:a.b.c.d; the mapped copy is per thread
    // because Send is called from many threads and must not allocate.
    [ThreadStatic]
    private static SocketAddress? t_mappedDestination;

    private UdpDatagramSocket(Socket socket, ILogger logger, bool dualStack, bool dontFragment)
    {
        _socket = socket;
        _logger = logger;
        IsDualStack = dualStack;
        IsDontFragmentSet = dontFragment;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        MaxDatagramSize = socket.AddressFamily == AddressFamily.InterNetworkV6 && !dualStack
            ? MaxIPv6DatagramSize
            : MaxIPv4DatagramSize;
    }

    /// <inheritdoc/>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>
    /// 65,507 bytes (<see cref="MaxIPv4DatagramSize"/>) for IPv4 and dual-stack sockets, 65,527
    /// (<see cref="MaxIPv6DatagramSize"/>) for IPv6-only ones. Real paths allow much less
    /// (typically 1,472 bytes on Ethernet); path MTU discovery finds out how much.
    /// </summary>
    public int MaxDatagramSize { get; }

    /// <summary>
    /// Whether the socket is IPv6 with IPv4 accepted as well (bound to <see cref="IPAddress.IPv6Any"/>
    /// or to an IPv4-mapped address on an OS that allows dual-stack sockets).
    /// </summary>
    public bool IsDualStack { get; }

    /// <summary>
    /// Whether the don't-fragment bit is known to be set (see <see cref="UdpSocketOptions.DontFragment"/>).
    /// Path MTU discovery should only probe when it is.
    /// </summary>
    public bool IsDontFragmentSet { get; }

    /// <inheritdoc/>
    public DatagramSocketStatistics Statistics => _counters.Snapshot();

    /// <summary>The OS socket, for tests that read back its options.</summary>
    internal Socket Socket => _socket;

    /// <summary>
    /// Creates a UDP socket bound to <paramref name="localEndPoint"/>, configured by
    /// <paramref name="options"/>. Call <see cref="Start"/> to receive.
    /// </summary>
    /// <param name="localEndPoint">
    /// The address and port to bind; port 0 lets the OS choose (read it back from
    /// <see cref="LocalEndPoint"/>). <see cref="IPAddress.IPv6Any"/> binds a dual-stack socket
    /// that also serves IPv4 where the OS allows it (IPv6-only otherwise, logged); an IPv4-mapped
    /// IPv6 address (::ffff:a.b.c.d) binds dual-stack too, and fails if the OS cannot.
    /// </param>
    /// <param name="options">Buffer sizes, don't-fragment and the logger; null uses the defaults.</param>
    /// <returns>The bound, not yet receiving socket. The caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="localEndPoint"/> is null.</exception>
    /// <exception cref="SocketException">
    /// The OS refused the socket or the bind; <see cref="SocketException.SocketErrorCode"/> says why
    /// (e.g. <see cref="SocketError.AddressAlreadyInUse"/>, <see cref="SocketError.AddressNotAvailable"/>,
    /// <see cref="SocketError.AddressFamilyNotSupported"/> when IPv6 is disabled).
    /// </exception>
    public static UdpDatagramSocket Bind(IPEndPoint localEndPoint, UdpSocketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        options ??= new UdpSocketOptions();
        ILogger logger = options.Logger ?? NullLogger.Instance;

        var socket = new Socket(localEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            bool dualStack = TrySetDualMode(socket, localEndPoint.Address, logger);
            SetBufferSizes(socket, options, logger);
            TryEnableBroadcast(socket, logger);
            if (OperatingSystem.IsWindows())
            {
                DisableConnectionReset(socket, logger);
            }

            bool dontFragment = options.DontFragment && TrySetDontFragment(socket, dualStack, logger);
            socket.Bind(localEndPoint);

            var result = new UdpDatagramSocket(socket, logger, dualStack, dontFragment);
            UdpSocketLog.Bound(logger, result.LocalEndPoint, dualStack, dontFragment);
            return result;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public DatagramSendResult Send(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (datagram.Length > MaxDatagramSize)
        {
            _counters.OnSendError();
            return DatagramSendResult.TooLarge;
        }

        SocketAddress target = destination;
        if (destination.Family != _socket.AddressFamily)
        {
            if (!IsDualStack || destination.Family != AddressFamily.InterNetwork)
            {
                return Failed(datagram.Length, SocketError.AddressFamilyNotSupported);
            }

            target = t_mappedDestination ??= new SocketAddress(AddressFamily.InterNetworkV6);
            SocketAddressLayout.MapToIPv6(destination, target);
        }

        try
        {
            _socket.SendTo(datagram, SocketFlags.None, target);
        }
        catch (SocketException exception)
        {
            return Failed(datagram.Length, exception.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            return Failed(datagram.Length, SocketError.OperationAborted);
        }

        _counters.OnSent(datagram.Length);
        return DatagramSendResult.Sent;
    }

    private DatagramSendResult Failed(int length, SocketError error)
    {
        _counters.OnSendError();
        UdpSocketLog.SendFailed(_logger, length, error);
        return error == SocketError.MessageSize ? DatagramSendResult.TooLarge : DatagramSendResult.Dropped;
    }

    // LAN discovery beacons go to a broadcast address when configured so (for example the subnet's
    // x.x.x.255 inside the NAT lab); without SO_BROADCAST the kernel refuses such a send with EACCES.
    // Which addresses beacons go to is the discovery settings' decision (loopback by default).
    private static void TryEnableBroadcast(Socket socket, ILogger logger)
    {
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Broadcast, true);
        }
        catch (SocketException exception)
        {
            UdpSocketLog.OptionFailed(logger, "Broadcast", exception);
        }
    }

    private static bool TrySetDualMode(Socket socket, IPAddress address, ILogger logger)
    {
        bool mapped = address.IsIPv4MappedToIPv6;
        if (socket.AddressFamily != AddressFamily.InterNetworkV6 || !(mapped || address.Equals(IPAddress.IPv6Any)))
        {
            return false;
        }

        try
        {
            socket.DualMode = true;
            return true;
        }
        catch (Exception exception) when (!mapped && exception is SocketException or NotSupportedException)
        {
            UdpSocketLog.OptionFailed(logger, "DualMode", exception);
            return false;
        }
    }

    private static void SetBufferSizes(Socket socket, UdpSocketOptions options, ILogger logger)
    {
        try
        {
            if (options.ReceiveBufferSize > 0)
            {
                socket.ReceiveBufferSize = options.ReceiveBufferSize;
            }
        }
        catch (SocketException exception)
        {
            UdpSocketLog.OptionFailed(logger, "ReceiveBufferSize", exception);
        }

        try
        {
            if (options.SendBufferSize > 0)
            {
                socket.SendBufferSize = options.SendBufferSize;
            }
        }
        catch (SocketException exception)
        {
            UdpSocketLog.OptionFailed(logger, "SendBufferSize", exception);
        }
    }

    private static void DisableConnectionReset(Socket socket, ILogger logger)
    {
        try
        {
            socket.IOControl(WindowsSioUdpConnReset, new byte[4], null);
        }
        catch (SocketException exception)
        {
            UdpSocketLog.OptionFailed(logger, "SIO_UDP_CONNRESET", exception);
        }
    }

    private static bool TrySetDontFragment(Socket socket, bool dualStack, ILogger logger)
    {
        bool ipv6 = socket.AddressFamily == AddressFamily.InterNetworkV6;
        Span<byte> value = stackalloc byte[sizeof(int)];
        try
        {
            if (OperatingSystem.IsLinux())
            {
                // PMTUDISC_DO: never fragment locally, fail with EMSGSIZE above the known path MTU.
                if (!ipv6 || dualStack)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(value, LinuxIPPmtuDiscDo);
                    socket.SetRawSocketOption(IPProtoIP, LinuxIPMtuDiscover, value);
                }

                if (ipv6)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(value, 1);
                    socket.SetRawSocketOption(IPProtoIPv6, LinuxIPv6DontFrag, value);
                }

                return true;
            }

            if (!ipv6 || dualStack)
            {
                socket.DontFragment = true;
            }

            if (ipv6)
            {
                BinaryPrimitives.WriteInt32LittleEndian(value, 1);
                int option = OperatingSystem.IsWindows() ? WindowsIPv6DontFrag : MacOSIPv6DontFrag;
                socket.SetRawSocketOption(IPProtoIPv6, option, value);
            }

            return true;
        }
        catch (Exception exception) when (exception is SocketException or NotSupportedException or PlatformNotSupportedException)
        {
            UdpSocketLog.OptionFailed(logger, "DontFragment", exception);
            return false;
        }
    }
}
