using MeshHost.Mesh.PubSub.Protocol;
using MeshHost.Transport;

namespace MeshHost.Mesh.PubSub;

/// <summary>Carrying out an <see cref="Outbox"/> outside the lock: deliveries, frames, peer requests.</summary>
internal sealed partial class GossipRouter
{
    /// <summary>Does what <paramref name="outbox"/> holds; returns how many non-relay payload frames the links accepted.</summary>
    private int Flush(Outbox outbox)
    {
        if (outbox.IsEmpty)
        {
            return 0;
        }

        // Local subscribers first: a handler must not wait for the frames to our neighbours.
        foreach ((GossipSubscription[] subscriptions, NodeId origin, PublishItem item, int hops) in outbox.Deliveries)
        {
            foreach (GossipSubscription subscription in subscriptions)
            {
                try
                {
                    subscription.Delivery(origin, item.Payload, hops);
                }
                catch (Exception e)
                {
                    PubSubLog.HandlerFailed(_logger, item.Topic, origin.ToShortString(), e);
                    lock (_sync)
                    {
                        _counters.InternalErrors++;
                    }
                }
            }
        }

        int firstSends = 0;
        long payloadFrames = 0;
        long controlFrames = 0;
        long failures = 0;
        foreach ((NodeId peer, byte[] frame, bool relay) in outbox.Payload)
        {
            payloadFrames++;
            if (TrySend(peer, frame))
            {
                firstSends += relay ? 0 : 1;
            }
            else
            {
                failures++;
            }
        }

        foreach ((NodeId peer, List<PubSubItem> items) in outbox.Control)
        {
            int start = 0;
            while (start < items.Count)
            {
                // Packs items while the estimate stays under half the frame limit (the estimate is an upper bound).
                int end = start;
                int size = 16;
                do
                {
                    size += Outbox.EstimateSize(items[end]);
                    end++;
                }
                while (end < items.Count && size + Outbox.EstimateSize(items[end]) <= _options.MaxFrameBytes / 2);

                byte[] frame = PubSubCodec.Encode(new PubSubFrame { Items = items.GetRange(start, end - start).ToArray() });
                controlFrames++;
                if (!TrySend(peer, frame))
                {
                    failures++;
                }

                start = end;
            }
        }

        lock (_sync)
        {
            _counters.PayloadFramesSent += payloadFrames;
            _counters.ControlFramesSent += controlFrames;
            _counters.SendFailures += failures;
        }

        foreach ((string topic, int mesh) in outbox.TopicPeerRequests)
        {
            PubSubLog.RequestedTopicPeers(_logger, topic, mesh);
            try
            {
                _links.RequestTopicPeers(topic);
            }
            catch (Exception e)
            {
                PubSubLog.HeartbeatFailed(_logger, e);
            }
        }

        return firstSends;
    }

    private bool TrySend(NodeId peer, byte[] frame)
    {
        try
        {
            return _links.TrySend(peer, frame);
        }
        catch (Exception e)
        {
            // The links must not throw; if they do, one peer's failure must not stop the others' frames.
            PubSubLog.SendThrew(_logger, peer.ToShortString(), e);
            return false;
        }
    }
}
