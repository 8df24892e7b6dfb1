using MeshHost.Transport.Testing;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>
/// Sessions are found by connection id, not address, so a session follows its peer when the peer's
/// NAT rebinds (docs/transport.md, "Connection ids"): after a path validation round trip, traffic
/// continues both ways from and to the new address.
/// </summary>
public sealed class NatRebindingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1500, 0.0)]
    [InlineData(1500, 0.05)]
    [InlineData(65_507, 0.0)]
    public void The_session_follows_the_client_to_its_new_address(int mtu, double loss)
    {
        var link = new LinkConditions { Latency = TimeSpan.FromMilliseconds(10), Mtu = mtu };
        using var harness = new SessionHarness(seed: 7, conditions: link);
        var nat = new RebindingSocket(harness.Network);
        var (clientEndpoint, clientHandler) = harness.AddEndpoint(socket: nat);
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);
        harness.Network.DefaultConditions = link with { LossRate = loss };
        Assert.Equal(nat.OldEndPoint, server.RemoteEndPoint);

        // Both sides talk: the client a small message and the server a larger one every 20 ms.
        uint clientSent = 0;
        uint serverSent = 0;
        void Talk(TimeSpan duration)
        {
            for (TimeSpan end = harness.Now + duration; harness.Now < end;)
            {
                Assert.Equal(SendResult.Queued, client.TrySend(1, DeliveryMethod.ReliableOrdered, TestPayload.Create(1, DeliveryMethod.ReliableOrdered, clientSent++, 100)));
                Assert.Equal(SendResult.Queued, server.TrySend(2, DeliveryMethod.ReliableOrdered, TestPayload.Create(2, DeliveryMethod.ReliableOrdered, serverSent++, 3000)));
                harness.Run(TimeSpan.FromMilliseconds(20));
            }
        }

        Talk(TimeSpan.FromSeconds(2));

        // The NAT picks a new public port, and the old mapping is gone for good.
        nat.Rebind();
        harness.Network.Partition(nat.OldEndPoint, serverEndpoint.LocalEndPoint);
        uint clientSentBefore = clientSent;
        uint serverSentBefore = serverSent;
        SessionStatistics before = server.GetStatistics();
        Talk(TimeSpan.FromSeconds(3));
        SessionStatistics after = server.GetStatistics();

        harness.RunUntil(() => serverHandler.Messages.Count == clientSent && clientHandler.Messages.Count == serverSent, TimeSpan.FromSeconds(30));
        output.WriteLine($"client sent {clientSent} ({clientSentBefore} before), server sent {serverSent} ({serverSentBefore} before); " +
            $"server {server.GetStatistics()}; endpoint {serverEndpoint.Statistics}");

        Assert.Equal(nat.NewEndPoint, server.RemoteEndPoint);
        Assert.Equal(1, serverEndpoint.Statistics.Migrations);

        // Until the new address answers the PATH_CHALLENGE the server may send it only three times
        // what it received from it; sending far more shows the path was validated.
        Assert.True(after.BytesSent - before.BytesSent > 3 * (after.BytesReceived - before.BytesReceived), "The new path was never validated.");
        Assert.True(client.IsOpen && server.IsOpen, $"closed: {client.CloseReason} / {server.CloseReason}");
        AssertInOrder(serverHandler, clientSent);
        AssertInOrder(clientHandler, serverSent);
    }

    private static void AssertInOrder(RecordingHandler receiver, uint count)
    {
        uint expected = 0;
        foreach (ReceivedMessage message in receiver.Messages)
        {
            Assert.True(TestPayload.TryRead(message.Data, out _, out _, out uint sequence, out string? error), error);
            Assert.Equal(expected++, sequence);
        }

        Assert.Equal(count, expected);
    }
}
