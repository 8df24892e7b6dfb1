using MeshHost.Transport.Testing;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>Lanes are ordered and reassembled independently: a big transfer on one lane never holds up another.</summary>
public sealed class LaneIndependenceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(DeliveryMethod.ReliableOrdered, 1)]
    [InlineData(DeliveryMethod.ReliableOrdered, 2)]
    [InlineData(DeliveryMethod.ReliableUnordered, 3)]
    public void Small_messages_overtake_a_large_transfer_on_another_lane(DeliveryMethod smallMethod, int seed)
    {
        // 1 MB/s with a 64 KB bottleneck queue: the 4 MB message needs at least 4 s, and loses
        // fragments on the way (each one stalls its reassembly until the retransmission lands).
        using var harness = new SessionHarness(seed, conditions: new LinkConditions
        {
            Latency = TimeSpan.FromMilliseconds(10),
            BandwidthBytesPerSecond = 1_000_000,
            QueueLimitBytes = 64 * 1024,
            LossRate = 0.02,
            Mtu = 1500,
        });
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, _) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);

        const byte BulkChannel = 1;
        const byte ChatChannel = 2;
        byte[] bulk = TestPayload.Create(BulkChannel, DeliveryMethod.ReliableOrdered, 0, 4 * 1024 * 1024);
        Assert.Equal(SendResult.Queued, client.TrySend(BulkChannel, DeliveryMethod.ReliableOrdered, bulk));
        TimeSpan bulkSent = harness.Now;

        var chatSent = new List<TimeSpan>();
        bool BulkArrived() => serverHandler.Messages.Any(m => m.Channel == BulkChannel);
        while (!BulkArrived())
        {
            Assert.True(harness.Now - bulkSent < TimeSpan.FromMinutes(2), "The bulk message did not arrive within 2 minutes.");
            byte[] line = TestPayload.Create(ChatChannel, smallMethod, (uint)chatSent.Count, 100);
            Assert.Equal(SendResult.Queued, client.TrySend(ChatChannel, smallMethod, line));
            chatSent.Add(harness.Now);
            harness.Run(TimeSpan.FromMilliseconds(50));
        }

        harness.RunUntil(() => serverHandler.Messages.Count(m => m.Channel == ChatChannel) == chatSent.Count, TimeSpan.FromSeconds(30));

        ReceivedMessage bulkReceived = serverHandler.Messages.Single(m => m.Channel == BulkChannel);
        Assert.Equal(bulk, bulkReceived.Data);
        TimeSpan worst = TimeSpan.Zero;
        foreach (ReceivedMessage chat in serverHandler.Messages.Where(m => m.Channel == ChatChannel))
        {
            Assert.True(TestPayload.TryRead(chat.Data, out _, out _, out uint sequence, out string? error), error);
            TimeSpan latency = chat.At - chatSent[(int)sequence];
            worst = latency > worst ? latency : worst;
        }

        output.WriteLine($"bulk took {bulkReceived.At - bulkSent}; {chatSent.Count} chat lines, worst latency {worst}; {client.GetStatistics()}");
        Assert.True(bulkReceived.At - bulkSent >= TimeSpan.FromSeconds(4), "The link cannot carry 4 MB in under 4 s.");

        // One-way latency 10 ms, at most 64 ms queued behind the bulk data, and one loss recovery
        // (a few RTTs of about 150 ms) for a line whose packet was lost: far below the seconds the
        // bulk transfer takes, which a line stuck behind it would wait.
        Assert.True(worst < TimeSpan.FromMilliseconds(600), $"A chat line took {worst} to arrive next to the bulk transfer.");
    }
}
