using System.Net;
using MeshHost.Transport.Testing;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>
/// The transport allocates nothing per message once warm: everything runs on this thread (the
/// manual clock drives the in-memory network and both endpoints), so the thread's allocation count
/// covers sender and receiver alike.
/// </summary>
public sealed class SteadyStateAllocationTests
{
    [Theory]
    [InlineData(16, 9000, 64)]
    [InlineData(1024, 9000, 64)]
    [InlineData(16, 65_507, 4096)] // thousands of messages per packet: the deliveries array must not churn
    public async Task Reliable_ordered_messages_allocate_nothing_per_message_without_loss(int size, int mtu, int batch)
    {
        var time = new ManualTimeProvider();
        var network = new InMemoryNetwork(time, seed: 3)
        {
            DefaultConditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(1), Mtu = mtu },
        };
        var serverHandler = new CountingHandler();
        using var server = new TransportEndpoint(NodeIdentity.Generate(), network.CreateSocket(), serverHandler, timeProvider: time);
        using var client = new TransportEndpoint(NodeIdentity.Generate(), network.CreateSocket(), new CountingHandler(), timeProvider: time);
        Task<Session> connect = client.ConnectAsync(server.LocalEndPoint, server.LocalId);
        for (int i = 0; i < 5_000 && !connect.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            Thread.Yield();
        }

        Session session = await connect.WaitAsync(TimeSpan.FromSeconds(10));
        byte[] payload = new byte[size];

        int rounds = 128_000 / batch;
        Assert.Equal(0, Pump(session, payload, time, batch, rounds: rounds / 2)); // warm up: rings, pools and the window grow here
        int before = serverHandler.Count;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        int refused = Pump(session, payload, time, batch, rounds);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        int delivered = serverHandler.Count - before;

        Assert.Equal(0, refused);
        Assert.Equal(rounds * batch, delivered);
        Assert.Equal(0, session.GetStatistics().PacketsLost);

        // The manual clock's timer queue allocates a node per scheduled timer (about 1 B per message
        // here); a per-message allocation in the transport would add at least 24 B per message.
        Assert.True(allocated < delivered * 2L, $"{allocated} bytes allocated for {delivered} messages ({(double)allocated / delivered:F2} B/msg)");
    }

    /// <summary>Sends <paramref name="batch"/> messages per millisecond of simulated time; returns how many sends were refused.</summary>
    private static int Pump(Session session, byte[] payload, ManualTimeProvider time, int batch, int rounds)
    {
        // No assertions in the loop: xunit's Assert.Equal allocates, and this counts allocations.
        int refused = 0;
        for (int round = 0; round < rounds; round++)
        {
            using (session.BeginBatch())
            {
                for (int i = 0; i < batch; i++)
                {
                    if (session.TrySend(1, DeliveryMethod.ReliableOrdered, payload) != SendResult.Queued)
                    {
                        refused++;
                    }
                }
            }

            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        for (int i = 0; i < 100; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        return refused;
    }

    private sealed class CountingHandler : ITransportHandler
    {
        public int Count { get; private set; }

        public void OnSessionEstablished(Session session)
        {
        }

        public void OnMessage(Session session, byte channel, DeliveryMethod method, ReadOnlySpan<byte> message) => Count++;

        public void OnSessionClosed(Session session, CloseReason reason)
        {
        }

        public void OnUnconnectedDatagram(ReadOnlySpan<byte> payload, IPEndPoint source)
        {
        }
    }
}
