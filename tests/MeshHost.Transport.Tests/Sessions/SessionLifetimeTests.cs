using System.Text;
using MeshHost.Transport.Testing;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>How sessions start, end and stay alive, and the limits a send is checked against.</summary>
public sealed class SessionLifetimeTests
{
    private static readonly TransportOptions ShortTimers = new()
    {
        KeepAliveInterval = TimeSpan.FromSeconds(1),
        IdleTimeout = TimeSpan.FromSeconds(3),
        ConnectTimeout = TimeSpan.FromSeconds(2),
    };

    private static readonly LinkConditions TenMilliseconds = new() { Latency = TimeSpan.FromMilliseconds(10) };

    [Fact]
    public void Close_tells_both_sides_the_code_and_reason()
    {
        using var harness = new SessionHarness(conditions: TenMilliseconds);
        var (clientEndpoint, clientHandler) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);

        client.Close("done for today", CloseCode.Application);

        Assert.Equal(new CloseReason(CloseCode.Application, "done for today", ByPeer: false), client.CloseReason);
        Assert.False(client.IsOpen);
        Assert.Equal(SendResult.Closed, client.TrySend(0, DeliveryMethod.ReliableOrdered, "late"u8));
        harness.RunUntil(() => !server.IsOpen, TimeSpan.FromSeconds(1));
        Assert.Equal(new CloseReason(CloseCode.Application, "done for today", ByPeer: true), server.CloseReason);
        Assert.Equal(client.CloseReason, Assert.Single(clientHandler.Closed).Reason);
        Assert.Equal(server.CloseReason, Assert.Single(serverHandler.Closed).Reason);
        Assert.Empty(clientEndpoint.Sessions);
        Assert.Empty(serverEndpoint.Sessions);
    }

    [Fact]
    public void A_long_close_reason_is_cut_on_a_character_boundary_at_256_bytes()
    {
        using var harness = new SessionHarness(conditions: TenMilliseconds);
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);

        string reason = "x" + new string('é', 200); // 1 + 400 UTF-8 bytes
        client.Close(reason);
        harness.RunUntil(() => !server.IsOpen, TimeSpan.FromSeconds(1));

        Assert.Equal(reason.Substring(0, 128), server.CloseReason!.Reason);
        Assert.Equal(255, Encoding.UTF8.GetByteCount(server.CloseReason.Reason));
    }

    [Fact]
    public void A_partitioned_session_closes_with_IdleTimeout_on_both_sides()
    {
        using var harness = new SessionHarness(options: ShortTimers, conditions: TenMilliseconds);
        var (clientEndpoint, clientHandler) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);
        harness.Run(TimeSpan.FromSeconds(5));

        harness.Network.Partition(clientEndpoint.LocalEndPoint, serverEndpoint.LocalEndPoint);
        TimeSpan partitioned = harness.Now;
        harness.RunUntil(() => !client.IsOpen && !server.IsOpen, TimeSpan.FromSeconds(10));

        // The last packet arrived at most a keepalive interval (plus a round trip) before the cut.
        TimeSpan closedAfter = harness.Now - partitioned;
        Assert.InRange(closedAfter, ShortTimers.IdleTimeout - ShortTimers.KeepAliveInterval - TimeSpan.FromMilliseconds(100), ShortTimers.IdleTimeout);
        Assert.Equal(CloseCode.IdleTimeout, client.CloseReason!.Code);
        Assert.Equal(CloseCode.IdleTimeout, server.CloseReason!.Code);
        Assert.False(client.CloseReason.ByPeer);
        Assert.Single(clientHandler.Closed);
        Assert.Single(serverHandler.Closed);
    }

    [Fact]
    public void A_bulk_transfer_cut_by_a_partition_ends_with_IdleTimeout()
    {
        // The congestion window is full when the link goes, so the keepalive that falls due between
        // two backed-off probes cannot be sent; the session must wait for the probe timer (this once
        // re-armed its timer for the same instant forever) and then close on the idle timeout.
        var options = ShortTimers with { IdleTimeout = TimeSpan.FromSeconds(10) };
        using var harness = new SessionHarness(options: options, conditions: TenMilliseconds with { BandwidthBytesPerSecond = 1_000_000, QueueLimitBytes = 64 * 1024 });
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);
        Assert.Equal(SendResult.Queued, client.TrySend(0, DeliveryMethod.ReliableOrdered, new byte[8 * 1024 * 1024]));
        harness.Run(TimeSpan.FromSeconds(1));

        harness.Network.Partition(clientEndpoint.LocalEndPoint, serverEndpoint.LocalEndPoint);
        TimeSpan partitioned = harness.Now;
        harness.RunUntil(() => !client.IsOpen && !server.IsOpen, TimeSpan.FromSeconds(20));

        Assert.Equal(CloseCode.IdleTimeout, client.CloseReason!.Code);
        Assert.Equal(CloseCode.IdleTimeout, server.CloseReason!.Code);
        Assert.InRange(harness.Now - partitioned, options.IdleTimeout - TimeSpan.FromSeconds(1), options.IdleTimeout);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void Keepalives_hold_an_idle_session_open(double loss)
    {
        using var harness = new SessionHarness(options: ShortTimers, conditions: TenMilliseconds);
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);
        harness.Network.DefaultConditions = TenMilliseconds with { LossRate = loss };

        harness.AfterStep = () => Assert.True(client.IsOpen && server.IsOpen, $"Closed at {harness.Now}: {client.CloseReason} / {server.CloseReason}");
        harness.Run(TimeSpan.FromMinutes(30));

        Assert.Equal(SendResult.Queued, client.TrySend(0, DeliveryMethod.ReliableOrdered, "still here"u8));
        harness.RunUntil(() => !serverHandler.Messages.IsEmpty, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Connecting_to_a_silent_address_times_out_after_ConnectTimeout()
    {
        using var harness = new SessionHarness(options: ShortTimers);
        var (clientEndpoint, _) = harness.AddEndpoint();
        using InMemoryDatagramSocket silent = harness.Network.CreateSocket(); // bound, never answers

        TimeSpan start = harness.Now;
        Task<Session> connect = clientEndpoint.ConnectAsync(silent.LocalEndPoint);
        harness.RunUntil(() => connect.IsCompleted, TimeSpan.FromSeconds(30));

        Assert.IsType<TimeoutException>(connect.Exception?.InnerException);
        Assert.Equal(ShortTimers.ConnectTimeout, harness.Now - start);
        Assert.Empty(clientEndpoint.Sessions);
    }

    [Fact]
    public void A_pinned_identity_that_does_not_match_fails_the_connect()
    {
        using var harness = new SessionHarness(options: ShortTimers, conditions: TenMilliseconds);
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        using NodeIdentity someoneElse = NodeIdentity.Generate();

        Task<Session> connect = clientEndpoint.ConnectAsync(serverEndpoint.LocalEndPoint, someoneElse.Id);
        harness.RunUntil(() => connect.IsCompleted, TimeSpan.FromSeconds(5));

        var failure = Assert.IsType<HandshakeFailedException>(connect.Exception?.InnerException);
        Assert.Equal("IdentityMismatch", failure.Failure);
        Assert.Empty(clientEndpoint.Sessions);
        harness.Run(ShortTimers.ConnectTimeout + TimeSpan.FromSeconds(2));
        Assert.Empty(serverHandler.Established);
    }

    [Fact]
    public void A_message_over_MaxMessageSize_is_refused()
    {
        var options = new TransportOptions { MaxMessageSize = 100_000, ReceiveWindow = 2 * 1024 * 1024, SendBufferLimit = 1024 * 1024 };
        using var harness = new SessionHarness(options: options);
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, _) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);

        foreach (DeliveryMethod method in Enum.GetValues<DeliveryMethod>())
        {
            Assert.Equal(SendResult.TooLarge, client.TrySend(1, method, new byte[100_001]));
            Assert.Equal(SendResult.Queued, client.TrySend(1, method, new byte[100_000]));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => client.SendAsync(1, DeliveryMethod.ReliableOrdered, new byte[100_001]).AsTask().GetAwaiter().GetResult());
        harness.RunUntil(() => client.BufferedBytes == 0, TimeSpan.FromSeconds(10));
        Assert.True(client.IsOpen);
    }

    [Fact]
    public void A_session_carries_many_channels_at_once()
    {
        using var harness = new SessionHarness(seed: 4, conditions: TenMilliseconds);
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, _) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);
        harness.Network.DefaultConditions = TenMilliseconds with { LossRate = 0.1, ReorderRate = 0.05, ReorderDelay = TimeSpan.FromMilliseconds(15), Mtu = 1500 };

        byte[] ordered = [.. Enumerable.Range(0, 100).Select(i => (byte)i)];
        byte[] unordered = [.. Enumerable.Range(100, 100).Select(i => (byte)i)];
        var orderedTraffic = new Traffic(client, DeliveryMethod.ReliableOrdered, ordered, seed: 1, count: 1_500);
        var unorderedTraffic = new Traffic(client, DeliveryMethod.ReliableUnordered, unordered, seed: 2, count: 1_500);
        var serverOrdered = new RecordingHandler(() => harness.Now);
        var serverUnordered = new RecordingHandler(() => harness.Now);
        serverHandler.OnMessageCallback = (session, channel, method, message) =>
            (method == DeliveryMethod.ReliableOrdered ? serverOrdered : serverUnordered).OnMessage(session, channel, method, message);
        while (!orderedTraffic.Done || !unorderedTraffic.Done)
        {
            orderedTraffic.SendSome();
            unorderedTraffic.SendSome();
            harness.Run(TimeSpan.FromMilliseconds(1));
        }

        harness.RunUntil(() => orderedTraffic.IsComplete(serverOrdered) && unorderedTraffic.IsComplete(serverUnordered), TimeSpan.FromMinutes(10));
        orderedTraffic.Verify(serverOrdered);
        unorderedTraffic.Verify(serverUnordered);
        Assert.Equal(200, serverHandler.Messages.Select(m => m.Channel).Distinct().Count());
    }

    [Fact]
    public void A_16_MiB_message_crosses_a_lossy_link_intact()
    {
        using var harness = new SessionHarness(seed: 5, conditions: TenMilliseconds);
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, _) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);
        // At MTU 1500 the message travels as over 11,000 fragments.
        harness.Network.DefaultConditions = TenMilliseconds with { LossRate = 0.05, ReorderRate = 0.02, ReorderDelay = TimeSpan.FromMilliseconds(15), DuplicateRate = 0.01, Mtu = 1500 };

        byte[] message = TestPayload.Create(3, DeliveryMethod.ReliableOrdered, 0, harness.Options.MaxMessageSize);
        Assert.Equal(16 * 1024 * 1024, message.Length);
        Assert.Equal(SendResult.Queued, client.TrySend(3, DeliveryMethod.ReliableOrdered, message));
        harness.RunUntil(() => !serverHandler.Messages.IsEmpty, TimeSpan.FromMinutes(10));

        ReceivedMessage received = Assert.Single(serverHandler.Messages);
        Assert.True(message.AsSpan().SequenceEqual(received.Data), "The 16 MiB message arrived altered.");
        Assert.Equal(0, client.GetStatistics().AuthenticationFailures);
    }
}
