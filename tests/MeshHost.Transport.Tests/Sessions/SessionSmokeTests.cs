namespace MeshHost.Transport.Tests.Sessions;

public sealed class SessionSmokeTests
{
    [Fact]
    public void Connect_establishes_both_sides_with_proven_identities()
    {
        using var harness = new SessionHarness();
        var (client, _) = harness.AddEndpoint();
        var (server, serverHandler) = harness.AddEndpoint();

        var (clientSession, serverSession) = harness.Connect(client, serverHandler, server);

        Assert.Equal(server.LocalId, clientSession.RemoteId);
        Assert.Equal(client.LocalId, serverSession.RemoteId);
        Assert.True(clientSession.IsInitiator);
        Assert.False(serverSession.IsInitiator);
        Assert.Equal(client.LocalEndPoint, clientSession.ObservedAddress);
    }

    [Theory]
    [InlineData(DeliveryMethod.Unreliable)]
    [InlineData(DeliveryMethod.Sequenced)]
    [InlineData(DeliveryMethod.ReliableUnordered)]
    [InlineData(DeliveryMethod.ReliableOrdered)]
    [InlineData(DeliveryMethod.ReliableSequenced)]
    public void A_message_arrives_on_its_lane(DeliveryMethod method)
    {
        using var harness = new SessionHarness();
        var (client, _) = harness.AddEndpoint();
        var (server, serverHandler) = harness.AddEndpoint();
        var (clientSession, _) = harness.Connect(client, serverHandler, server);

        Assert.Equal(SendResult.Queued, clientSession.TrySend(7, method, "hello"u8));
        harness.RunUntil(() => !serverHandler.Messages.IsEmpty, TimeSpan.FromSeconds(1));

        ReceivedMessage message = Assert.Single(serverHandler.Messages);
        Assert.Equal(7, message.Channel);
        Assert.Equal(method, message.Method);
        Assert.Equal("hello"u8.ToArray(), message.Data);
    }

    [Theory]
    [InlineData(DeliveryMethod.Unreliable)]
    [InlineData(DeliveryMethod.ReliableOrdered)]
    public void The_responder_sends_right_after_the_handshake(DeliveryMethod method)
    {
        // The responder starts path MTU discovery at once; its first probe once broke its flush for good.
        using var harness = new SessionHarness();
        var (client, clientHandler) = harness.AddEndpoint();
        var (server, serverHandler) = harness.AddEndpoint();
        var (_, serverSession) = harness.Connect(client, serverHandler, server);

        Assert.Equal(SendResult.Queued, serverSession.TrySend(9, method, "from the responder"u8));
        harness.RunUntil(() => !clientHandler.Messages.IsEmpty, TimeSpan.FromSeconds(1));

        ReceivedMessage message = Assert.Single(clientHandler.Messages);
        Assert.Equal(9, message.Channel);
        Assert.Equal("from the responder"u8.ToArray(), message.Data);
    }
}
