using System.Net;
using MeshHost.Transport.Network;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Network;

/// <summary>Tests that measure process-wide allocation, so nothing may run beside them.</summary>
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
        long before = GC.GetTotalAllocatedBytes(precise: true);
        Pump(sender, counter, destination, payload, Datagrams);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

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

        public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress source) => _room.Release();

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
