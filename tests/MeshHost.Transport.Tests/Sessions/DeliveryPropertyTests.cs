using MeshHost.Transport.Testing;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>
/// Every delivery method keeps its promises (docs/transport.md, "Delivery methods") over a link
/// that loses, reorders and duplicates packets, with thousands of messages of mixed sizes on
/// several channels in both directions at once.
/// </summary>
public sealed class DeliveryPropertyTests(ITestOutputHelper output)
{
    private const int MessagesPerDirection = 1_500;

    private static readonly byte[] ClientChannels = [0, 3, 17, 200];
    private static readonly byte[] ServerChannels = [1, 3, 99];

    public static TheoryData<DeliveryMethod, double, int> Cases
    {
        get
        {
            var data = new TheoryData<DeliveryMethod, double, int>();
            foreach (DeliveryMethod method in Enum.GetValues<DeliveryMethod>())
            {
                foreach (double loss in (double[])[0.0, 0.1, 0.3])
                {
                    foreach (int seed in (int[])[1, 2, 3])
                    {
                        data.Add(method, loss, seed);
                    }
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Method_keeps_its_guarantees_under_loss_reordering_and_duplication(DeliveryMethod method, double loss, int seed)
    {
        using var harness = new SessionHarness(seed);
        var (clientEndpoint, clientHandler) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        // Odd seeds run over a common internet MTU (so 5 KB messages fragment too), even ones over
        // the in-memory maximum, where MTU discovery grows packets to ~64 KB. The handshake runs
        // on the same path without loss (connecting under loss is the handshake tests' business).
        var conditions = new LinkConditions
        {
            LossRate = loss,
            DuplicateRate = 0.02,
            ReorderRate = 0.05,
            ReorderDelay = TimeSpan.FromMilliseconds(15),
            Latency = TimeSpan.FromMilliseconds(10),
            Mtu = seed % 2 == 1 ? 1500 : 65_507,
        };
        harness.Network.DefaultConditions = conditions with { LossRate = 0, DuplicateRate = 0 };
        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);
        harness.Network.DefaultConditions = conditions;

        var upstream = new Traffic(client, method, ClientChannels, seed * 31, MessagesPerDirection);
        var downstream = new Traffic(server, method, ServerChannels, (seed * 31) + 7, MessagesPerDirection);
        while (!upstream.Done || !downstream.Done)
        {
            upstream.SendSome();
            downstream.SendSome();
            harness.Run(TimeSpan.FromMilliseconds(1));
        }

        TimeSpan sendingEnded = harness.Now;
        harness.RunUntil(
            () => upstream.IsComplete(serverHandler) && downstream.IsComplete(clientHandler) && client.BufferedBytes == 0 && server.BufferedBytes == 0,
            TimeSpan.FromMinutes(10));

        // Stragglers (reordered or duplicated packets) of the unreliable methods land within a second.
        harness.Run(TimeSpan.FromSeconds(1));

        output.WriteLine($"{method} loss {loss} seed {seed}: sent {upstream.SentCount}+{downstream.SentCount}, " +
            $"received {serverHandler.Messages.Count}+{clientHandler.Messages.Count}, drained {harness.Now - sendingEnded} after sending; " +
            $"client {client.GetStatistics()}; server {server.GetStatistics()}; network {harness.Network.Statistics}");
        Assert.True(client.IsOpen, $"client closed: {client.CloseReason}");
        Assert.True(server.IsOpen, $"server closed: {server.CloseReason}");
        upstream.Verify(serverHandler);
        downstream.Verify(clientHandler);
        if (upstream.IsReliable)
        {
            // Everything was delivered, so nothing may be left in reassembly.
            Assert.Equal(0, client.ReassemblyBytes);
            Assert.Equal(0, server.ReassemblyBytes);
        }
    }
}
