using MeshHost.Mesh.PubSub;
using MeshHost.Mesh.PubSub.Protocol;
using MeshHost.Transport;

namespace MeshHost.Mesh.Tests.PubSub;

/// <summary>The frame encoding (pinned bytes, as docs/pubsub.md shows them), signatures and the verifier's key cache.</summary>
public class PubSubWireTests
{
    [Fact]
    public void A_subscribe_frame_has_the_documented_bytes()
    {
        byte[] frame = PubSubCodec.Encode(new SubscribeItem { Topic = "t" });
        Assert.Equal(Convert.FromHexString("91919200" + "91A174"), frame);
        Assert.Equal("t", Assert.IsType<SubscribeItem>(Assert.Single(PubSubCodec.Decode(frame, 1024)!.Items)).Topic);
    }

    [Fact]
    public void A_publish_item_round_trips_and_its_signature_covers_topic_seqno_key_and_payload_but_not_hops()
    {
        using var origin = NodeIdentity.Generate();
        using var verifier = new SignatureVerifier(4);
        PublishItem item = RouterHarness.Signed(origin, "news", 42, [1, 2, 3], hops: 3);
        var back = (PublishItem)PubSubCodec.Decode(PubSubCodec.Encode(item), 4096)!.Items[0];

        Assert.Equal(item.Seqno, back.Seqno);
        Assert.Equal(item.Payload, back.Payload);
        Assert.True(PubSubCodec.Verify(verifier, origin.Id, back));
        Assert.True(PubSubCodec.Verify(verifier, origin.Id, back with { Hops = 9 }));
        Assert.False(PubSubCodec.Verify(verifier, origin.Id, back with { Topic = "newt" }));
        Assert.False(PubSubCodec.Verify(verifier, origin.Id, back with { Seqno = 43 }));
        Assert.False(PubSubCodec.Verify(verifier, origin.Id, back with { Payload = [1, 2] }));
    }

    [Fact]
    public void Decoding_refuses_oversize_truncated_and_empty_input()
    {
        byte[] frame = PubSubCodec.Encode(new GraftItem { Topic = "topic" });
        Assert.Null(PubSubCodec.Decode(frame, frame.Length - 1));
        Assert.Null(PubSubCodec.Decode(frame.AsSpan(0, frame.Length - 1), 1024));
        Assert.Null(PubSubCodec.Decode([], 1024));
        Assert.Null(PubSubCodec.Decode([0x91, 0x91, 0xC0], 1024));
    }

    [Fact]
    public void The_verifier_keeps_a_bounded_number_of_keys_and_reuses_them()
    {
        NodeIdentity[] origins = [NodeIdentity.Generate(), NodeIdentity.Generate(), NodeIdentity.Generate()];
        using var verifier = new SignatureVerifier(2);
        try
        {
            PublishItem[] items = [.. origins.Select((o, i) => RouterHarness.Signed(o, "t", (ulong)i, [(byte)i]))];
            Assert.True(PubSubCodec.Verify(verifier, origins[0].Id, items[0]));
            Assert.True(PubSubCodec.Verify(verifier, origins[0].Id, items[0]));
            Assert.Equal(1, verifier.Imports);

            Assert.True(PubSubCodec.Verify(verifier, origins[1].Id, items[1]));
            Assert.True(PubSubCodec.Verify(verifier, origins[2].Id, items[2]));
            Assert.Equal(2, verifier.Count);
            Assert.Equal(3, verifier.Imports);

            // Not a point on the curve: false, never an exception, and remembered.
            byte[] notAKey = new byte[NodeIdentity.PublicKeySize];
            Assert.False(verifier.Verify(NodeId.FromPublicKey(notAKey), notAKey, [1], new byte[NodeIdentity.SignatureSize]));
            Assert.False(verifier.Verify(NodeId.FromPublicKey(notAKey), notAKey, [1], new byte[NodeIdentity.SignatureSize]));

            // Many threads over more keys than it holds: every answer is still right while keys are evicted and disposed.
            int wrong = 0;
            Parallel.For(0, 600, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                int k = i % 3;
                if (!PubSubCodec.Verify(verifier, origins[k].Id, items[k]) || PubSubCodec.Verify(verifier, origins[k].Id, items[k] with { Seqno = 99 }))
                {
                    Interlocked.Increment(ref wrong);
                }
            });
            Assert.Equal(0, wrong);
            Assert.InRange(verifier.Count, 1, 2);
        }
        finally
        {
            foreach (NodeIdentity origin in origins)
            {
                origin.Dispose();
            }
        }
    }
}
