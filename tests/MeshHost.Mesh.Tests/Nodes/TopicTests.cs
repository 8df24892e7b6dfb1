using System.Collections.Concurrent;
using MeshHost.Mesh.PubSub;
using MeshHost.Sdk;
using Xunit.Abstractions;

namespace MeshHost.Mesh.Tests.Nodes;

/// <summary>Topics over real sessions on 127.0.0.1: gossip with the transport underneath.</summary>
public sealed class TopicTests(ITestOutputHelper output)
{
    private const string Topic = "test/topic";

    private static readonly GossipOptions FastGossip = new() { HeartbeatInterval = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task Twenty_nodes_with_ten_percent_loss_each_receive_every_message_exactly_once()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var mesh = new TestNodes();
        var sockets = new List<LossySocket>();
        for (int i = 0; i < 20; i++)
        {
            sockets.Add(LossySocket.Bind(0.10, seed: 100 + i));
        }

        // The seed first, then the other nineteen join it at once (as a mesh forming would).
        MeshNode seed = await mesh.StartAsync(configure: o => o with { Gossip = FastGossip }, socket: sockets[0]);
        await Task.WhenAll(sockets.Skip(1).Select(socket => mesh.StartAsync(seed, o => o with { Gossip = FastGossip }, socket)));

        output.WriteLine($"started: {clock.Elapsed}");
        var received = new ConcurrentDictionary<(PeerId Node, int Number), int>();
        var probes = new ConcurrentDictionary<PeerId, bool>();
        var topics = new List<ITopic<Note>>();
        var subscriptions = new List<IDisposable>();
        foreach (MeshNode node in mesh.Nodes)
        {
            ITopic<Note> topic = node.OpenTopic<Note>(Topic);
            topics.Add(topic);
            PeerId self = node.LocalId;
            subscriptions.Add(topic.Subscribe((from, note, _) =>
            {
                if (note.Text == "probe")
                {
                    probes[self] = true;
                }
                else
                {
                    received.AddOrUpdate((self, note.Number), 1, (_, n) => n + 1);
                }

                return ValueTask.CompletedTask;
            }));
        }

        // The topic mesh forms through the DHT and the heartbeat; probe until every other node hears node 0.
        await TestNodes.WaitUntilAsync(
            () =>
            {
                _ = topics[0].PublishAsync(new Note { Text = "probe" });
                return probes.Count == 19;
            },
            "every node to hear node 0's probes");

        output.WriteLine($"probed: {clock.Elapsed}");
        const int Messages = 60;
        for (int i = 0; i < Messages; i++)
        {
            int publisher = i % 5 * 4; // five publishers spread over the network
            await topics[publisher].PublishAsync(new Note { Text = "data", Number = i });
        }

        // A node does not receive its own messages: 19 deliveries of every message.
        await TestNodes.WaitUntilAsync(() => received.Count == Messages * 19, $"{Messages * 19} deliveries (have {received.Count})", TimeSpan.FromSeconds(60));

        output.WriteLine($"delivered: {clock.Elapsed}");
        // Give duplicates time to show up (gossip repair runs every heartbeat), then check each once.
        await Task.Delay(FastGossip.HeartbeatInterval * 6);
        Assert.Equal(Messages * 19, received.Count);
        Assert.All(received, pair => Assert.Equal(1, pair.Value));
        Assert.True(sockets.Sum(s => s.Dropped) > 0, "the sockets dropped nothing: no loss was injected");

        foreach (IDisposable subscription in subscriptions)
        {
            subscription.Dispose();
        }

        foreach (ITopic<Note> topic in topics)
        {
            topic.Dispose();
        }
    }

    [Fact]
    public async Task A_flood_on_a_topic_is_dropped_and_counted_and_other_publishers_still_get_through()
    {
        await using var mesh = new TestNodes();
        MeshNode victim = await mesh.StartAsync(configure: o => o with { Gossip = FastGossip });
        MeshNode flooder = await mesh.StartAsync(victim, o => o with { Gossip = FastGossip });
        MeshNode honest = await mesh.StartAsync(victim, o => o with { Gossip = FastGossip });

        using ITopic<Note> victimTopic = victim.OpenTopic<Note>(Topic);
        var heard = new ConcurrentQueue<string>();
        var honestHeard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable subscription = victimTopic.Subscribe(async (_, note, ct) =>
        {
            heard.Enqueue(note.Text);
            if (note.Text == "honest")
            {
                honestHeard.TrySetResult();
            }

            await Task.Yield();
        });
        using ITopic<Note> floodTopic = flooder.OpenTopic<Note>(Topic);
        using ITopic<Note> honestTopic = honest.OpenTopic<Note>(Topic);
        using IDisposable floodMember = floodTopic.Subscribe((_, _, _) => ValueTask.CompletedTask);
        using IDisposable honestMember = honestTopic.Subscribe((_, _, _) => ValueTask.CompletedTask);
        await TestNodes.WaitUntilAsync(
            () =>
            {
                _ = honestTopic.PublishAsync(new Note { Text = "probe" });
                return heard.Contains("probe");
            },
            "the victim to hear the honest node");

        for (int i = 0; i < 20_000; i++)
        {
            await floodTopic.PublishAsync(new Note { Text = "flood", Number = i });
        }

        // The flood may still fill the victim's inbox when the first honest message lands (then it
        // is dropped and counted like any other): the honest node keeps publishing until one is heard.
        await TestNodes.WaitUntilAsync(
            () =>
            {
                _ = honestTopic.PublishAsync(new Note { Text = "honest" });
                return honestHeard.Task.IsCompleted;
            },
            "the victim to hear the honest node after the flood");

        MeshStatus status = victim.GetStatus();
        Assert.True(status.Counters.TopicDropped + status.Counters.DroppedInboxFull > 0, "the flood was neither rate limited nor dropped at the inbox");
        Assert.True(heard.Count(t => t == "flood") < 20_000);

        // Oversized publishes are refused with a clear error.
        MeshException tooLarge = await Assert.ThrowsAsync<MeshException>(() =>
            honestTopic.PublishAsync(new Note { Blob = new byte[MeshLimits.MaxTopicMessageBytes] }).AsTask());
        Assert.Equal(MeshError.MessageTooLarge, tooLarge.Error);
    }
}
