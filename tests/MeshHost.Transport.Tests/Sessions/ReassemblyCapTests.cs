using MeshHost.Transport.Testing;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>
/// Reassembly of data outside flow control is capped per session
/// (<see cref="TransportOptions.MaxUnreliableReassemblyBytes"/>); docs/transport.md: "an
/// incomplete unreliable message is evicted, oldest first, when the cap would be exceeded".
/// Fragments lost for good must not keep later messages out.
/// </summary>
public sealed class ReassemblyCapTests(ITestOutputHelper output)
{
    private static readonly LinkConditions Path = new() { Latency = TimeSpan.FromMilliseconds(10), Mtu = 1500 };

    [Theory]
    [InlineData(DeliveryMethod.Unreliable)]
    [InlineData(DeliveryMethod.Sequenced)]
    [InlineData(DeliveryMethod.ReliableSequenced)]
    public void Stale_unreliable_fragments_do_not_block_later_messages(DeliveryMethod later)
    {
        using var harness = new SessionHarness(seed: 3, conditions: Path);
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);

        // At 30% loss a 100 KB message (about 70 fragments) almost never arrives whole: the
        // receiver is left holding the fragments of many of them, more than the 4 MiB cap.
        harness.Network.DefaultConditions = Path with { LossRate = 0.3 };
        uint sequence = 0;
        for (int i = 0; i < 200; i++)
        {
            byte channel = (byte)(i % 8);
            Assert.Equal(SendResult.Queued, client.TrySend(channel, DeliveryMethod.Unreliable, TestPayload.Create(channel, DeliveryMethod.Unreliable, sequence++, 100_000)));
            harness.Run(TimeSpan.FromMilliseconds(20));
        }

        harness.RunUntil(() => client.BufferedBytes == 0, TimeSpan.FromMinutes(5));
        harness.Run(TimeSpan.FromSeconds(1));
        long heldAfterLoss = server.ReassemblyBytes;

        // The loss stops; fragmented messages sent now must get through.
        harness.Network.DefaultConditions = Path;
        int before = serverHandler.Messages.Count;
        const byte Channel = 20;
        for (uint i = 0; i < 10; i++)
        {
            Assert.Equal(SendResult.Queued, client.TrySend(Channel, later, TestPayload.Create(Channel, later, i, 100_000)));
            harness.Run(TimeSpan.FromMilliseconds(200));
        }

        harness.RunUntil(() => client.BufferedBytes == 0, TimeSpan.FromSeconds(30));
        harness.Run(TimeSpan.FromSeconds(1));
        uint[] arrived = [.. serverHandler.Messages.Where(m => m.Channel == Channel).Select(m => TestPayload.TryRead(m.Data, out _, out _, out uint s, out _) ? s : uint.MaxValue)];
        output.WriteLine($"held {heldAfterLoss} bytes of partial messages after the lossy phase; {before} whole before; {arrived.Length} of 10 {later} after; now holding {server.ReassemblyBytes}");
        if (later == DeliveryMethod.ReliableSequenced)
        {
            // A message still queued when the next is sent is superseded; the newest must arrive.
            Assert.Equal(9u, arrived[^1]);
        }
        else
        {
            // Nothing is lost any more, so every message arrives, in order.
            Assert.Equal([0u, 1, 2, 3, 4, 5, 6, 7, 8, 9], arrived);
        }
    }
}
