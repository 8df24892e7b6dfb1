using System.Net;
using System.Net.Sockets;
using System.Text;
using MeshHost.Transport.Network;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Network;

[Trait("Category", "Loopback")]
public sealed class UdpDatagramSocketTests(ITestOutputHelper output)
{
    private static readonly IPEndPoint AnyLoopbackPort = new(IPAddress.Loopback, 0);

    [Fact]
    public async Task SendAndReceive_OnIPv4Loopback_ReportsSourceAndCounts()
    {
        using UdpDatagramSocket a = UdpDatagramSocket.Bind(AnyLoopbackPort);
        using UdpDatagramSocket b = UdpDatagramSocket.Bind(AnyLoopbackPort);
        var received = new CollectingReceiver();
        b.Start(received);

        Assert.NotEqual(0, a.LocalEndPoint.Port);
        Assert.Equal(DatagramSendResult.Sent, a.Send("hello"u8, b.LocalEndPoint.Serialize()));
        ReceivedDatagram datagram = await received.NextAsync();

        Assert.Equal("hello", Encoding.ASCII.GetString(datagram.Payload));
        Assert.Equal(a.LocalEndPoint, datagram.Source);
        Assert.Equal(AddressFamily.InterNetwork, datagram.SourceFamily);
        Assert.Equal("meshhost-udp-rx", datagram.Thread.Name);
        Assert.True(datagram.Thread.IsBackground);
        Assert.Equal(new DatagramSocketStatistics(1, 5, 0, 0, 0, 0, 0), a.Statistics);
        Assert.Equal(new DatagramSocketStatistics(0, 0, 1, 5, 0, 0, 0), b.Statistics);
    }

    [Fact]
    public async Task Send_UpToMaxDatagramSize_Arrives_AndLargerIsTooLarge()
    {
        using UdpDatagramSocket a = UdpDatagramSocket.Bind(AnyLoopbackPort);
        using UdpDatagramSocket b = UdpDatagramSocket.Bind(AnyLoopbackPort);
        var received = new CollectingReceiver();
        b.Start(received);
        byte[] largest = new byte[a.MaxDatagramSize + 1];
        new Random(42).NextBytes(largest);

        Assert.Equal(UdpDatagramSocket.MaxIPv4DatagramSize, a.MaxDatagramSize);
        Assert.Equal(DatagramSendResult.TooLarge, a.Send(largest, b.LocalEndPoint.Serialize()));
        Assert.Equal(DatagramSendResult.Sent, a.Send(largest.AsSpan(0, a.MaxDatagramSize), b.LocalEndPoint.Serialize()));

        Assert.Equal(largest.AsSpan(0, a.MaxDatagramSize).ToArray(), (await received.NextAsync()).Payload);
        Assert.Equal(1, a.Statistics.SendErrors);
    }

    [Fact]
    public void Bind_SetsDontFragment_ByDefault()
    {
        using UdpDatagramSocket socket = UdpDatagramSocket.Bind(AnyLoopbackPort);
        using UdpDatagramSocket fragmenting = UdpDatagramSocket.Bind(AnyLoopbackPort, new UdpSocketOptions { DontFragment = false });

        Assert.False(fragmenting.IsDontFragmentSet);
        if (!OperatingSystem.IsLinux())
        {
            output.WriteLine($"Don't-fragment is best effort on {Environment.OSVersion}: {socket.IsDontFragmentSet}.");
            return;
        }

        Assert.True(socket.IsDontFragmentSet);
        Span<byte> value = stackalloc byte[sizeof(int)];
        socket.Socket.GetRawSocketOption(0, 10, value); // IPPROTO_IP, IP_MTU_DISCOVER
        Assert.Equal(2, BitConverter.ToInt32(value));   // IP_PMTUDISC_DO
    }

    [Fact]
    public async Task Send_ToABroadcastAddress_IsAllowed()
    {
        // 127.255.255.255 is the loopback interface's broadcast route: the kernel refuses a send to it
        // without SO_BROADCAST (as it does for a LAN's x.x.x.255), and nothing leaves the machine.
        if (!OperatingSystem.IsLinux())
        {
            output.WriteLine($"The loopback broadcast route is Linux behaviour; skipped the send on {Environment.OSVersion}.");
            return;
        }

        using UdpDatagramSocket sender = UdpDatagramSocket.Bind(AnyLoopbackPort);
        using UdpDatagramSocket listener = UdpDatagramSocket.Bind(new IPEndPoint(IPAddress.Any, 0));
        var received = new CollectingReceiver();
        listener.Start(received);
        var broadcast = new IPEndPoint(IPAddress.Parse("127.255.255.255"), listener.LocalEndPoint.Port);

        Assert.Equal(DatagramSendResult.Sent, sender.Send("beacon"u8, broadcast.Serialize()));

        Assert.Equal("beacon", Encoding.ASCII.GetString((await received.NextAsync()).Payload));
        Assert.Equal(0, sender.Statistics.SendErrors);
    }

    [Fact]
    public void Send_ToAnotherAddressFamily_IsDroppedNotThrown()
    {
        using UdpDatagramSocket socket = UdpDatagramSocket.Bind(AnyLoopbackPort);

        Assert.Equal(DatagramSendResult.Dropped, socket.Send([1], new IPEndPoint(IPAddress.IPv6Loopback, 9).Serialize()));
        Assert.Equal(1, socket.Statistics.SendErrors);
    }

    [Fact]
    public async Task ReceiverException_IsCountedAndTheLoopContinues()
    {
        using UdpDatagramSocket a = UdpDatagramSocket.Bind(AnyLoopbackPort);
        using UdpDatagramSocket b = UdpDatagramSocket.Bind(AnyLoopbackPort);
        var received = new CollectingReceiver
        {
            OnEach = datagram =>
            {
                if (datagram.Payload[0] == 0xEE)
                {
                    throw new InvalidOperationException("a faulty receiver");
                }
            },
        };
        b.Start(received);

        a.Send([0xEE], b.LocalEndPoint.Serialize());
        a.Send([0x01], b.LocalEndPoint.Serialize());

        Assert.Equal([0x01], (await received.NextAsync()).Payload);
        Assert.Equal(1, b.Statistics.ReceiverFaults);
        Assert.Equal(2, b.Statistics.DatagramsReceived);
    }

    [Fact]
    public async Task SendToAClosedPort_DoesNotDisturbReceiving()
    {
        using UdpDatagramSocket a = UdpDatagramSocket.Bind(AnyLoopbackPort);
        using UdpDatagramSocket b = UdpDatagramSocket.Bind(AnyLoopbackPort);
        SocketAddress closed;
        using (UdpDatagramSocket gone = UdpDatagramSocket.Bind(AnyLoopbackPort))
        {
            closed = gone.LocalEndPoint.Serialize();
        }

        var receivedByA = new CollectingReceiver();
        a.Start(receivedByA);

        // Port unreachable comes back as ICMP; some OSes report it on the next receive.
        Assert.Equal(DatagramSendResult.Sent, a.Send([1], closed));
        b.Send([2], a.LocalEndPoint.Serialize());

        Assert.Equal([2], (await receivedByA.NextAsync()).Payload);
    }

    [Fact]
    public async Task Dispose_StopsAndJoinsTheReceiveThread()
    {
        UdpDatagramSocket a = UdpDatagramSocket.Bind(AnyLoopbackPort);
        using UdpDatagramSocket b = UdpDatagramSocket.Bind(AnyLoopbackPort);
        var received = new CollectingReceiver();
        a.Start(received);
        b.Send([1], a.LocalEndPoint.Serialize());
        Thread receiveThread = (await received.NextAsync()).Thread;

        a.Dispose();

        Assert.False(receiveThread.IsAlive);
        Assert.Equal(DatagramSendResult.Dropped, a.Send([1], b.LocalEndPoint.Serialize()));
        a.Dispose();
        Assert.Throws<ObjectDisposedException>(() => a.Start(received));
    }

    [Fact]
    public async Task Dispose_FromInsideTheReceiver_DoesNotDeadlock()
    {
        UdpDatagramSocket a = UdpDatagramSocket.Bind(AnyLoopbackPort);
        using UdpDatagramSocket b = UdpDatagramSocket.Bind(AnyLoopbackPort);
        var received = new CollectingReceiver { OnEach = _ => a.Dispose() };
        a.Start(received);

        b.Send([1], a.LocalEndPoint.Serialize());
        Thread receiveThread = (await received.NextAsync()).Thread;

        Assert.True(receiveThread.Join(CollectingReceiver.Timeout), "The receive thread did not end after disposing itself.");
    }

    [Fact]
    public void StartTwice_Throws_AndUnstartedDisposeIsClean()
    {
        using UdpDatagramSocket started = UdpDatagramSocket.Bind(AnyLoopbackPort);
        started.Start(new CollectingReceiver());
        Assert.Throws<InvalidOperationException>(() => started.Start(new CollectingReceiver()));

        UdpDatagramSocket unstarted = UdpDatagramSocket.Bind(AnyLoopbackPort);
        unstarted.Dispose();
        Assert.Equal(DatagramSendResult.Dropped, unstarted.Send([1], started.LocalEndPoint.Serialize()));
    }

    [Fact]
    public async Task IPv6Loopback_SendsAndReceives_OrBindReportsWhy()
    {
        UdpDatagramSocket a;
        try
        {
            a = UdpDatagramSocket.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        }
        catch (SocketException exception)
        {
            AssertUnavailableIPv6(exception);
            return;
        }

        using (a)
        using (UdpDatagramSocket b = UdpDatagramSocket.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0)))
        {
            var received = new CollectingReceiver();
            b.Start(received);
            Assert.False(a.IsDualStack);
            Assert.Equal(UdpDatagramSocket.MaxIPv6DatagramSize, a.MaxDatagramSize);

            Assert.Equal(DatagramSendResult.Sent, a.Send("six"u8, b.LocalEndPoint.Serialize()));
            ReceivedDatagram datagram = await received.NextAsync();

            Assert.Equal("six"u8.ToArray(), datagram.Payload);
            Assert.Equal(a.LocalEndPoint, datagram.Source);
        }
    }

    [Fact]
    public async Task DualStack_ReportsIPv4SourcesAsIPv4_AndAcceptsIPv4Destinations()
    {
        // ::ffff:127.0.0.1 binds a dual-stack socket without leaving 127.0.0.1.
        UdpDatagramSocket dual;
        try
        {
            dual = UdpDatagramSocket.Bind(new IPEndPoint(IPAddress.Loopback.MapToIPv6(), 0));
        }
        catch (SocketException exception)
        {
            AssertUnavailableIPv6(exception);
            return;
        }

        using (dual)
        using (UdpDatagramSocket v4 = UdpDatagramSocket.Bind(AnyLoopbackPort))
        {
            var receivedByDual = new CollectingReceiver();
            var receivedByV4 = new CollectingReceiver();
            dual.Start(receivedByDual);
            v4.Start(receivedByV4);
            Assert.True(dual.IsDualStack);
            Assert.Equal(UdpDatagramSocket.MaxIPv4DatagramSize, dual.MaxDatagramSize);

            v4.Send("ping"u8, new IPEndPoint(IPAddress.Loopback, dual.LocalEndPoint.Port).Serialize());
            ReceivedDatagram ping = await receivedByDual.NextAsync();
            Assert.Equal(AddressFamily.InterNetwork, ping.SourceFamily);
            Assert.Equal(v4.LocalEndPoint, ping.Source);

            Assert.Equal(DatagramSendResult.Sent, dual.Send("pong"u8, ping.Source.Serialize()));
            ReceivedDatagram pong = await receivedByV4.NextAsync();
            Assert.Equal("pong"u8.ToArray(), pong.Payload);
            Assert.Equal(new IPEndPoint(IPAddress.Loopback, dual.LocalEndPoint.Port), pong.Source);
        }
    }

    private void AssertUnavailableIPv6(SocketException exception)
    {
        output.WriteLine($"IPv6 is not available here: {exception.SocketErrorCode}: {exception.Message}");
        Assert.Contains(exception.SocketErrorCode, new[] { SocketError.AddressFamilyNotSupported, SocketError.AddressNotAvailable, SocketError.ProtocolNotSupported, SocketError.InvalidArgument });
        Assert.False(string.IsNullOrWhiteSpace(exception.Message));
    }
}
