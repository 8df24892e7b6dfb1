using MeshHost.Transport.Testing;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>Every packet that carries messages is congestion controlled, whatever the delivery method.</summary>
public sealed class CongestionControlTests(ITestOutputHelper output)
{
    [Fact]
    public void Unreliable_data_waits_for_the_congestion_window()
    {
        using var harness = new SessionHarness(1, conditions: new LinkConditions { Latency = TimeSpan.FromMilliseconds(10), Mtu = 1500 });
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, _) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);
        harness.Run(TimeSpan.FromSeconds(1));

        long before = harness.Network.Statistics.DatagramsSent;
        byte[] update = new byte[8 * 1024];
        using (client.BeginBatch())
        {
            for (int i = 0; i < 256; i++)
            {
                Assert.Equal(SendResult.Queued, client.TrySend(9, DeliveryMethod.Unreliable, update));
            }
        }

        // Only what the congestion window allows leaves at once; the rest waits for acknowledgements.
        long burst = harness.Network.Statistics.DatagramsSent - before;
        SessionStatistics stats = client.GetStatistics();
        output.WriteLine($"burst of {burst} datagrams; {stats}");
        Assert.True(stats.BytesInFlight > 0, "Unreliable packets are not counted in flight.");
        Assert.True(burst <= (stats.CongestionWindow / Session.MinimumDatagramSize) + 1, $"{burst} datagrams left at once with a window of {stats.CongestionWindow} bytes.");

        harness.RunUntil(() => client.BufferedBytes == 0, TimeSpan.FromSeconds(30));
        harness.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(256, serverHandler.Messages.Count);
    }
}
