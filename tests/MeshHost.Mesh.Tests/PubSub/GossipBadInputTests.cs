using MeshHost.Mesh.PubSub;
using MeshHost.Mesh.PubSub.Protocol;
using MeshHost.Transport;

namespace MeshHost.Mesh.Tests.PubSub;

/// <summary>One router fed bad input by a neighbour: it must drop and count, never throw, and stay bounded.</summary>
public class GossipBadInputTests
{
    private const string Topic = "t";

    [Fact]
    public void Random_and_mutated_frames_never_throw_and_are_counted()
    {
        using var harness = new RouterHarness();
        using var origin = NodeIdentity.Generate();
        var random = new Random(42);
        harness.Subscribe(Topic);
        NodeId attacker = harness.AddPeer(random, Topic);
        harness.AddPeer(random, Topic);
        byte[] ids = new byte[MessageId.Size * 3];
        random.NextBytes(ids);
        byte[][] valid =
        [
            PubSubCodec.Encode(RouterHarness.Signed(origin, Topic, 1, [1, 2, 3])),
            PubSubCodec.Encode(new PubSubFrame { Items = [new SubscribeItem { Topic = "x" }, new GraftItem { Topic = Topic }, new PruneItem { Topic = "y" }] }),
            PubSubCodec.Encode(new PubSubFrame { Items = [new IHaveItem { Topic = Topic, Ids = ids }, new IWantItem { Ids = ids }, new UnsubscribeItem { Topic = "x" }] }),
        ];

        for (int i = 0; i < 4000; i++)
        {
            byte[] frame;
            if (i % 4 == 0)
            {
                frame = new byte[random.Next(0, 300)];
                random.NextBytes(frame);
            }
            else
            {
                frame = Mutate(valid[random.Next(valid.Length)], random);
            }

            harness.Router.HandleFrame(attacker, frame);
            if (i % 200 == 0)
            {
                harness.Clock.Advance(TimeSpan.FromSeconds(1));
                harness.Router.Heartbeat();
            }
        }

        GossipStatistics stats = harness.Router.Statistics;
        Assert.Equal(0, stats.InternalErrors);
        Assert.True(stats.DroppedMalformed > 1000, $"only {stats.DroppedMalformed} malformed frames counted");

        // Still working: a valid message from a fresh neighbour is delivered.
        NodeId honest = harness.AddPeer(random, Topic);
        harness.Received.Clear();
        harness.Router.HandleFrame(honest, PubSubCodec.Encode(RouterHarness.Signed(origin, Topic, 1_000_000, [9])));
        Assert.Single(harness.Received);
    }

    [Fact]
    public void A_forged_signature_a_wrong_origin_key_and_a_changed_payload_are_dropped()
    {
        using var harness = new RouterHarness();
        using var origin = NodeIdentity.Generate();
        using var other = NodeIdentity.Generate();
        var random = new Random(1);
        harness.Subscribe(Topic);
        NodeId peer = harness.AddPeer(random, Topic);

        PublishItem good = RouterHarness.Signed(origin, Topic, 5, [1, 2, 3]);
        byte[] forged = good.Signature.ToArray();
        forged[10] ^= 0x40;
        harness.Router.HandleFrame(peer, PubSubCodec.Encode(good with { Signature = forged }));
        harness.Router.HandleFrame(peer, PubSubCodec.Encode(good with { OriginKey = other.PublicKey.ToArray() }));
        harness.Router.HandleFrame(peer, PubSubCodec.Encode(good with { Payload = [1, 2, 4] }));
        harness.Router.HandleFrame(peer, PubSubCodec.Encode(good with { Topic = "other" }));
        Assert.Empty(harness.Received);
        Assert.Equal(3, harness.Router.Statistics.DroppedInvalidSignature);
        Assert.Equal(1, harness.Router.Statistics.DroppedUnsubscribed);

        // The forgeries did not poison the seen cache: the real message still gets through, once.
        harness.Router.HandleFrame(peer, PubSubCodec.Encode(good));
        (NodeId from, byte[] payload, int hops) = Assert.Single(harness.Received);
        Assert.Equal(origin.Id, from);
        Assert.Equal([1, 2, 3], payload);
        Assert.Equal(1, hops);
    }

    [Fact]
    public void An_oversize_payload_is_refused_on_publish_and_dropped_on_receive()
    {
        var options = new GossipOptions { MaxMessageBytes = 1000 };
        using var harness = new RouterHarness(options);
        using var origin = NodeIdentity.Generate();
        var random = new Random(3);
        harness.Subscribe(Topic);
        NodeId peer = harness.AddPeer(random, Topic);

        ArgumentException refused = Assert.Throws<ArgumentException>(() => harness.Router.Publish(Topic, new byte[1001]));
        Assert.Contains("at most 1000 bytes", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, harness.Router.Statistics.Published);

        harness.Router.HandleFrame(peer, PubSubCodec.Encode(RouterHarness.Signed(origin, Topic, 1, new byte[1001])));
        harness.Router.HandleFrame(peer, new byte[options.MaxFrameBytes + 1]);
        Assert.Empty(harness.Received);
        Assert.Equal(2, harness.Router.Statistics.DroppedTooLarge);

        harness.Router.Heartbeat();
        Assert.Equal(1, harness.Router.Publish(Topic, new byte[1000]));
    }

    [Fact]
    public void A_publish_flood_from_one_peer_is_rate_limited_and_the_caches_stay_bounded()
    {
        var options = new GossipOptions
        {
            PublishRatePerPeer = 100,
            PublishBurstPerPeer = 200,
            MaxSeenMessages = 300,
            MaxCachedMessages = 100,
            MaxPendingIWants = 50,
            MaxTopics = 16,
            MaxTopicsPerPeer = 8,
        };
        using var harness = new RouterHarness(options);
        using var origin = NodeIdentity.Generate();
        var random = new Random(4);
        harness.Subscribe(Topic);
        NodeId flooder = harness.AddPeer(random, Topic);

        // 1,000 valid messages at one instant: the burst passes, the rest are refused before their signatures are checked.
        ulong seqno = 0;
        for (int i = 0; i < 1000; i++)
        {
            harness.Router.HandleFrame(flooder, PubSubCodec.Encode(RouterHarness.Signed(origin, Topic, ++seqno, [(byte)i])));
        }

        GossipStatistics stats = harness.Router.Statistics;
        Assert.Equal(200, stats.Delivered);
        Assert.Equal(800, stats.DroppedRateLimited);

        // A sustained flood at the allowed rate, many topics and many advertised ids: the tables stay within their bounds.
        for (int second = 0; second < 5; second++)
        {
            harness.Clock.Advance(TimeSpan.FromSeconds(1));
            harness.Router.Heartbeat();
            for (int i = 0; i < 150; i++)
            {
                harness.Router.HandleFrame(flooder, PubSubCodec.Encode(RouterHarness.Signed(origin, Topic, ++seqno, [(byte)i])));
            }

            byte[] ids = new byte[MessageId.Size * 400];
            random.NextBytes(ids);
            harness.Router.HandleFrame(flooder, PubSubCodec.Encode(new IHaveItem { Topic = Topic, Ids = ids }));
            for (int t = 0; t < 40; t++)
            {
                harness.AddPeer(random, $"topic-{second}-{t}");
                harness.Router.HandleFrame(flooder, PubSubCodec.Encode(new SubscribeItem { Topic = $"flood-{second}-{t}" }));
            }

            stats = harness.Router.Statistics;
            Assert.InRange(stats.SeenCount, 1, options.MaxSeenMessages);
            Assert.InRange(stats.CachedMessages, 1, options.MaxCachedMessages);
            Assert.InRange(stats.PendingIWants, 0, options.MaxPendingIWants);
            Assert.InRange(stats.Topics, 1, 2 * options.MaxTopics);
        }

        Assert.True(stats.DroppedRateLimited > 800);
        Assert.True(stats.DroppedTopicLimit > 0);
        Assert.Equal(0, stats.InternalErrors);
        List<IWantItem> asked = harness.Links.ItemsTo<IWantItem>(flooder);
        Assert.NotEmpty(asked);
        Assert.All(asked, w => Assert.InRange(w.Ids.Length / MessageId.Size, 1, options.MaxPendingIWants));
    }

    [Fact]
    public void The_same_message_arriving_several_times_is_delivered_and_forwarded_once()
    {
        using var harness = new RouterHarness();
        using var origin = NodeIdentity.Generate();
        var random = new Random(5);
        harness.Subscribe(Topic);
        NodeId first = harness.AddPeer(random, Topic);
        NodeId second = harness.AddPeer(random, Topic);
        NodeId third = harness.AddPeer(random, Topic);
        harness.Router.Heartbeat();
        harness.Links.Sent.Clear();

        byte[] frame = PubSubCodec.Encode(RouterHarness.Signed(origin, Topic, 77, [4, 2]));
        harness.Router.HandleFrame(first, frame);
        harness.Router.HandleFrame(second, frame);
        harness.Router.HandleFrame(first, frame);

        Assert.Single(harness.Received);
        Assert.Equal(2, harness.Router.Statistics.Duplicates);
        Assert.Empty(harness.Links.ItemsTo<PublishItem>(first));
        Assert.Single(harness.Links.ItemsTo<PublishItem>(second));
        PublishItem forwarded = Assert.Single(harness.Links.ItemsTo<PublishItem>(third));
        Assert.Equal(2, forwarded.Hops);
    }

    [Fact]
    public void Leaving_a_topic_prunes_the_mesh_and_announces_it_to_every_peer()
    {
        using var harness = new RouterHarness();
        var random = new Random(6);
        NodeId[] peers = [harness.AddPeer(random, Topic), harness.AddPeer(random, Topic), harness.AddPeer(random)];
        IDisposable subscription = harness.Subscribe(Topic);
        Assert.Equal(2, harness.Router.MeshPeers(Topic).Count);
        harness.Links.Sent.Clear();

        subscription.Dispose();
        subscription.Dispose();

        Assert.Empty(harness.Router.Topics);
        Assert.Single(harness.Links.ItemsTo<PruneItem>(peers[0]));
        Assert.Single(harness.Links.ItemsTo<PruneItem>(peers[1]));
        Assert.Empty(harness.Links.ItemsTo<PruneItem>(peers[2]));
        Assert.All(peers, p => Assert.Single(harness.Links.ItemsTo<UnsubscribeItem>(p)));

        // A message arriving after leaving is not delivered.
        using var origin = NodeIdentity.Generate();
        harness.Router.HandleFrame(peers[0], PubSubCodec.Encode(RouterHarness.Signed(origin, Topic, 1, [1])));
        Assert.Empty(harness.Received);
        Assert.Equal(1, harness.Router.Statistics.DroppedUnsubscribed);
    }

    [Fact]
    public void Frames_from_a_peer_never_added_are_dropped()
    {
        using var harness = new RouterHarness();
        using var origin = NodeIdentity.Generate();
        harness.Subscribe(Topic);
        harness.Router.HandleFrame(NodeId.Random(new Random(7)), PubSubCodec.Encode(RouterHarness.Signed(origin, Topic, 1, [1])));
        Assert.Empty(harness.Received);
        Assert.Equal(1, harness.Router.Statistics.DroppedUnknownPeer);
    }

    [Fact]
    public void Frames_from_several_peers_handled_concurrently_with_publishing_deliver_each_message_once()
    {
        using var harness = new RouterHarness();
        using var origin = NodeIdentity.Generate();
        var random = new Random(8);
        int received = 0;
        using IDisposable subscription = harness.Router.Subscribe(Topic, (_, _, _) => Interlocked.Increment(ref received));
        NodeId[] peers = [.. Enumerable.Range(0, 4).Select(_ => harness.AddPeer(random, Topic))];
        harness.Router.Heartbeat();

        // Every peer relays the same 100 messages, so the threads race on the same ids.
        byte[][] frames = [.. Enumerable.Range(0, 100).Select(i => PubSubCodec.Encode(RouterHarness.Signed(origin, Topic, (ulong)i, [(byte)i])))];
        Parallel.For(0, peers.Length + 1, new ParallelOptions { MaxDegreeOfParallelism = 4 }, worker =>
        {
            for (int i = 0; i < 100; i++)
            {
                if (worker == peers.Length)
                {
                    harness.Router.Publish(Topic, [(byte)i]);
                }
                else
                {
                    harness.Router.HandleFrame(peers[worker], frames[(i + (worker * 25)) % 100]);
                }
            }
        });

        GossipStatistics stats = harness.Router.Statistics;
        Assert.Equal(200, received);
        Assert.Equal(200, stats.Delivered);
        Assert.Equal(300, stats.Duplicates);
        Assert.Equal(0, stats.InternalErrors);
    }

    private static byte[] Mutate(byte[] valid, Random random)
    {
        byte[] frame = valid.ToArray();
        switch (random.Next(4))
        {
            case 0:
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    frame[random.Next(frame.Length)] = (byte)random.Next(256);
                }

                return frame;
            case 1:
                return frame[..random.Next(frame.Length)];
            case 2:
                byte[] longer = new byte[frame.Length + random.Next(1, 8)];
                random.NextBytes(longer);
                int at = random.Next(frame.Length);
                frame.AsSpan(0, at).CopyTo(longer);
                frame.AsSpan(at).CopyTo(longer.AsSpan(longer.Length - (frame.Length - at)));
                return longer;
            default:
                frame[random.Next(frame.Length)] ^= (byte)(1 << random.Next(8));
                return frame;
        }
    }
}
