using System.Diagnostics;
using MeshHost.Transport.Testing;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>
/// A closed request/response loop, one exchange at a time: the pattern that exposes stalls (a
/// delayed ACK nobody sends, a lost packet that waits for a timer that never comes, a pacer or
/// window that never reopens), because nothing else is in flight to move the session along.
/// </summary>
public sealed class RequestResponseTests(ITestOutputHelper output)
{
    private static readonly TimeSpan OneWay = TimeSpan.FromMilliseconds(10);

    [Fact]
    public void Lossless_round_trips_never_stall()
    {
        TimeSpan max = RunExchanges(seed: 1, new LinkConditions { Latency = OneWay }, 100_000);

        // Nothing is lost, so every exchange is one round trip: anything 250 ms beyond is a stall.
        Assert.True(max < (2 * OneWay) + TimeSpan.FromMilliseconds(250), $"An exchange stalled for {max}.");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Lossy_round_trips_complete_within_a_few_probe_timeouts(int seed)
    {
        var conditions = new LinkConditions
        {
            Latency = OneWay,
            LossRate = 0.1,
            ReorderRate = 0.05,
            ReorderDelay = TimeSpan.FromMilliseconds(15),
            DuplicateRate = 0.01,
        };
        TimeSpan max = RunExchanges(seed, conditions, 20_000);

        // A request or reply lost several times in a row waits for backed-off PTOs (20 ms RTT:
        // about 50, 100, 200, 400 ms). 2 s covers five losses in a row of one exchange, which
        // at 10% loss is a 1-in-100,000 event; more than that is a stall.
        Assert.True(max < TimeSpan.FromSeconds(2), $"An exchange took {max}.");
    }

    /// <summary>Runs <paramref name="count"/> exchanges and returns the longest one, in simulated time.</summary>
    private TimeSpan RunExchanges(int seed, LinkConditions conditions, int count)
    {
        using var harness = new SessionHarness(seed);
        var (clientEndpoint, clientHandler) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        harness.Network.DefaultConditions = conditions with { LossRate = 0, DuplicateRate = 0 };
        var (client, _) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);
        harness.Network.DefaultConditions = conditions;

        clientHandler.RecordMessages = false;
        serverHandler.RecordMessages = false;
        serverHandler.OnMessageCallback = (session, channel, method, request) =>
        {
            SendResult result = session.TrySend(channel, method, request);
            Assert.Equal(SendResult.Queued, result);
        };

        uint completed = 0;
        TimeSpan started = TimeSpan.Zero;
        TimeSpan max = TimeSpan.Zero;
        TimeSpan total = TimeSpan.Zero;
        uint maxAt = 0;
        void SendRequest()
        {
            started = harness.Now;
            Assert.Equal(SendResult.Queued, client.TrySend(0, DeliveryMethod.ReliableOrdered, TestPayload.Create(0, DeliveryMethod.ReliableOrdered, completed, 64)));
        }

        clientHandler.OnMessageCallback = (_, _, _, reply) =>
        {
            Assert.True(TestPayload.TryRead(reply, out _, out _, out uint sequence, out string? error), error);
            Assert.Equal(completed, sequence);
            TimeSpan took = harness.Now - started;
            total += took;
            if (took > max)
            {
                max = took;
                maxAt = completed;
            }

            if (++completed < count)
            {
                SendRequest();
            }
        };

        var wall = Stopwatch.StartNew();
        SendRequest();
        harness.RunUntil(() => completed == count, TimeSpan.FromTicks((long)count * TimeSpan.FromSeconds(1).Ticks));
        TimeSpan mean = total / count;
        output.WriteLine($"{count} exchanges in {harness.Now} simulated, {wall.Elapsed} wall; mean {mean}, max {max} (#{maxAt}); {client.GetStatistics()}");
        Assert.True(client.IsOpen, $"closed: {client.CloseReason}");
        return max;
    }
}
