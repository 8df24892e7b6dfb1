using System.Net;
using MeshHost.Transport.Network;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Network;

/// <summary>Tests that measure allocation; they run alone so their threads are not starved.</summary>
[CollectionDefinition(nameof(AllocationSensitive), DisableParallelization = true)]
public sealed class AllocationSensitive;

[Trait("Category", "Loopback")]
[Collection(nameof(AllocationSensitive))]
public sealed class UdpAllocationTests(ITestOutputHelper output)
{
    private const int Datagrams = 10_000;

    // Well under one 24-byte object per datagram (240,000 bytes), with room for the runtime's own noise.
    private const long AllocationBound = 64 * 1024;

    [Fact]
    public void SendAndReceive_TenThousandDatagrams_AllocateAlmostNothing()
    {
        using UdpDatagramSocket sender = UdpDatagramSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using UdpDatagramSocket receiver = UdpDatagramSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var counter = new WindowedCounter(window: 32);
        receiver.Start(counter);
        SocketAddress destination = receiver.LocalEndPoint.Serialize();
        byte[] payload = new byte[200];

        Pump(sender, counter, destination, payload, 1_000); // JIT, thread start, first-use allocations

        // Count what the two threads doing the work allocate (this one sends, the socket's thread
        // receives), not the whole process: the test runner's own threads allocate meanwhile.
        counter.StartMeasuring();
        long sendBefore = GC.GetAllocatedBytesForCurrentThread();
        Pump(sender, counter, destination, payload, Datagrams);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - sendBefore + counter.ReceiveThreadAllocated;

        output.WriteLine($"{allocated} bytes allocated while sending and receiving {Datagrams} datagrams.");
        Assert.True(allocated < AllocationBound, $"{allocated} bytes allocated for {Datagrams} datagrams.");
        Assert.Equal(11_000, receiver.Statistics.DatagramsReceived);
    }

    private static void Pump(UdpDatagramSocket sender, WindowedCounter counter, SocketAddress destination, byte[] payload, int count)
    {
        for (int i = 0; i < count; i++)
        {
            counter.WaitForRoom();

            // Not Assert.Equal: xunit's comparer allocates on every call.
            if (sender.Send(payload, destination) != DatagramSendResult.Sent)
            {
                Assert.Fail($"Send {i} failed.");
            }
        }

        counter.WaitUntilDrained();
    }

    /// <summary>Lets at most a window of datagrams be in flight, so the OS buffer never overflows.</summary>
    private sealed class WindowedCounter(int window) : IDatagramReceiver, IDisposable
    {
        private readonly SemaphoreSlim _room = new(window, window);
        private volatile bool _measuring;
        private long _receiveBaseline = -1;
        private long _receiveLatest;

        /// <summary>Bytes the receive thread allocated between the first and the latest datagram since <see cref="StartMeasuring"/>.</summary>
        public long ReceiveThreadAllocated => _receiveBaseline < 0 ? 0 : Interlocked.Read(ref _receiveLatest) - _receiveBaseline;

        public void StartMeasuring() => _measuring = true;

        public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress source)
        {
            if (_measuring)
            {
                long now = GC.GetAllocatedBytesForCurrentThread();
                if (_receiveBaseline < 0)
                {
                    _receiveBaseline = now;
                }

                Interlocked.Exchange(ref _receiveLatest, now);
            }

            _room.Release();
        }

        public void WaitForRoom()
        {
            if (!_room.Wait(CollectingReceiver.Timeout))
            {
                Assert.Fail("A loopback datagram was lost or the receive loop stalled.");
            }
        }

        public void WaitUntilDrained()
        {
            for (int i = 0; i < window; i++)
            {
                WaitForRoom();
            }

            _room.Release(window);
        }

        public void Dispose() => _room.Dispose();
    }
}
