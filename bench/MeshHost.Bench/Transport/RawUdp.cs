using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MeshHost.Bench.Transport;

/// <summary>The baselines: two plain UDP sockets on 127.0.0.1, no protocol at all.</summary>
internal static class RawUdp
{
    /// <summary>Datagrams per second that one sender thread gets to one receiver thread.</summary>
    public static double DatagramRate(int size, TimeSpan duration)
    {
        using Socket receiver = Bound();
        using Socket sender = Bound();
        SocketAddress destination = receiver.LocalEndPoint!.Serialize();
        long received = 0;
        bool stop = false;
        var receiveThread = new Thread(() =>
        {
            byte[] buffer = new byte[65_536];
            var from = new SocketAddress(AddressFamily.InterNetwork);
            while (!Volatile.Read(ref stop))
            {
                try
                {
                    receiver.ReceiveFrom(buffer, SocketFlags.None, from);
                    Interlocked.Increment(ref received);
                }
                catch (SocketException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        }) { IsBackground = true, Name = "raw-udp-rx" };
        receiveThread.Start();

        byte[] payload = new byte[size];
        Run(TimeSpan.FromMilliseconds(300), () => sender.SendTo(payload, SocketFlags.None, destination));
        long start = Interlocked.Read(ref received);
        var clock = Stopwatch.StartNew();
        Run(duration, () => sender.SendTo(payload, SocketFlags.None, destination));
        double rate = (Interlocked.Read(ref received) - start) / clock.Elapsed.TotalSeconds;
        Volatile.Write(ref stop, true);
        receiver.Close();
        receiveThread.Join(TimeSpan.FromSeconds(5));
        return rate;
    }

    /// <summary>Round-trip times of a 16-byte ping answered by a thread blocked in receive, in microseconds.</summary>
    public static double[] PingPong(int count)
    {
        using Socket server = Bound();
        using Socket client = Bound();
        server.ReceiveTimeout = 5_000;
        client.ReceiveTimeout = 5_000;
        SocketAddress serverAddress = server.LocalEndPoint!.Serialize();
        var echo = new Thread(() =>
        {
            byte[] buffer = new byte[64];
            var from = new SocketAddress(AddressFamily.InterNetwork);
            for (int i = 0; i < count + 100; i++)
            {
                try
                {
                    int n = server.ReceiveFrom(buffer, SocketFlags.None, from);
                    server.SendTo(buffer.AsSpan(0, n), SocketFlags.None, from);
                }
                catch (SocketException)
                {
                    return;
                }
            }
        }) { IsBackground = true, Name = "raw-udp-echo" };
        echo.Start();

        byte[] ping = new byte[16];
        byte[] reply = new byte[64];
        var source = new SocketAddress(AddressFamily.InterNetwork);
        var samples = new double[count];
        double microsecondsPerTick = 1_000_000.0 / Stopwatch.Frequency;
        for (int i = -100; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            client.SendTo(ping, SocketFlags.None, serverAddress);
            client.ReceiveFrom(reply, SocketFlags.None, source);
            if (i >= 0)
            {
                samples[i] = (Stopwatch.GetTimestamp() - start) * microsecondsPerTick;
            }
        }

        echo.Join(TimeSpan.FromSeconds(5));
        return samples;
    }

    private static Socket Bound()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
        {
            ReceiveBufferSize = 4 << 20,
            SendBufferSize = 4 << 20,
        };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static void Run(TimeSpan duration, Action action)
    {
        long end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end)
        {
            for (int i = 0; i < 64; i++)
            {
                action();
            }
        }
    }
}
