using MeshHost.Mesh.PubSub.Protocol;
using MeshHost.Transport;

namespace MeshHost.Mesh.PubSub;

/// <summary>Frames from neighbours: every item is checked, and anything wrong is dropped and counted.</summary>
internal sealed partial class GossipRouter
{
    /// <summary>
    /// A pubsub frame arrived from <paramref name="from"/>. Never throws for bad input: a frame that
    /// does not decode, an item with invalid fields, a bad signature, an oversize payload or a flood
    /// is dropped and counted (<see cref="Statistics"/>). Frames from a peer not added with
    /// <see cref="AddPeer"/> are dropped. May be called concurrently for different peers.
    /// </summary>
    public void HandleFrame(NodeId from, ReadOnlySpan<byte> frame)
    {
        try
        {
            Handle(from, frame);
        }
        catch (Exception e)
        {
            // A bug, not bad input (that is handled item by item): keep the node running and make it visible.
            PubSubLog.FrameFailed(_logger, from.ToShortString(), e);
            lock (_sync)
            {
                _counters.InternalErrors++;
            }
        }
    }

    private void Handle(NodeId from, ReadOnlySpan<byte> bytes)
    {
        PeerState? peer;
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            if (!_peers.TryGetValue(from, out peer))
            {
                _counters.DroppedUnknownPeer++;
                PubSubLog.UnknownPeer(_logger, from.ToShortString());
                return;
            }

            if (bytes.Length > _options.MaxFrameBytes)
            {
                _counters.DroppedTooLarge++;
                return;
            }
        }

        PubSubFrame? frame = PubSubCodec.Decode(bytes, _options.MaxFrameBytes);
        if (frame is null)
        {
            lock (_sync)
            {
                _counters.DroppedMalformed++;
            }

            PubSubLog.MalformedFrame(_logger, peer.Name, bytes.Length);
            return;
        }

        var outbox = new Outbox();
        List<MessageId>? wanted = null;
        foreach (PubSubItem item in frame.Items)
        {
            switch (item)
            {
                case PublishItem publish:
                    HandlePublish(peer, publish, outbox);
                    break;
                case IHaveItem ihave:
                    wanted = HandleIHave(peer, ihave, wanted);
                    break;
                default:
                    lock (_sync)
                    {
                        HandleControl(peer, item, outbox);
                    }

                    break;
            }
        }

        if (wanted is { Count: > 0 })
        {
            AddIWants(peer.Id, wanted, outbox);
        }

        Flush(outbox);
    }

    private void HandlePublish(PeerState peer, PublishItem item, Outbox outbox)
    {
        // Cheap checks first; the signature (~50 µs) only for a new message on a topic we want, outside the lock.
        bool shaped = IsValidTopic(item.Topic) && item.OriginKey is { Length: NodeIdentity.PublicKeySize }
            && item.Signature is { Length: NodeIdentity.SignatureSize } && item.Payload is not null && item.Hops >= 1;
        MessageId id = shaped ? new MessageId(NodeId.FromPublicKey(item.OriginKey), item.Seqno) : default;
        lock (_sync)
        {
            if (!peer.PublishBucket.TryTake(_time.GetTimestamp()))
            {
                _counters.DroppedRateLimited++;
                peer.RateLimited++;
                return;
            }

            if (item.Payload is { } payload && payload.Length > _options.MaxMessageBytes)
            {
                _counters.DroppedTooLarge++;
                PubSubLog.TooLarge(_logger, item.Topic, peer.Name, payload.Length, _options.MaxMessageBytes);
                return;
            }

            if (!shaped)
            {
                _counters.DroppedMalformed++;
                return;
            }

            if (_seen.Contains(id))
            {
                _counters.Duplicates++;
                return;
            }

            if (_topics.GetValueOrDefault(item.Topic) is not { Subscribed: true })
            {
                _counters.DroppedUnsubscribed++;
                return;
            }
        }

        bool valid = PubSubCodec.Verify(_verifier, id.Origin, item);
        byte[]? frame = null;
        lock (_sync)
        {
            if (!valid)
            {
                _counters.DroppedInvalidSignature++;
                PubSubLog.InvalidSignature(_logger, item.Topic, peer.Name, id.Origin.ToShortString());
                return;
            }

            // Another frame (another thread) may have brought the same message meanwhile.
            if (_disposed || !_seen.TryAdd(id, _time.GetTimestamp()))
            {
                _counters.Duplicates++;
                return;
            }

            _pendingIWants.Remove(id);
            _cache.Add(id, item);
            if (_topics.GetValueOrDefault(item.Topic) is not { Mesh: { } mesh } state)
            {
                // Left the topic while the signature was being checked.
                _counters.DroppedUnsubscribed++;
                return;
            }

            _counters.Delivered++;
            outbox.Deliveries.Add((state.Subscriptions, id.Origin, item, item.Hops));
            foreach (NodeId target in mesh)
            {
                if (target != peer.Id && target != id.Origin)
                {
                    frame ??= PubSubCodec.Encode(Relayed(item));
                    outbox.Send(target, frame, relay: true);
                    _counters.Forwarded++;
                }
            }
        }
    }

    /// <summary>Reads an IHAVE: the ids we have not seen nor already asked for are added to <paramref name="wanted"/>.</summary>
    private List<MessageId>? HandleIHave(PeerState peer, IHaveItem item, List<MessageId>? wanted)
    {
        lock (_sync)
        {
            if (!IsValidTopic(item.Topic) || item.Ids is null || item.Ids.Length % MessageId.Size != 0)
            {
                _counters.DroppedMalformed++;
                return wanted;
            }

            if (++peer.IHaves > _options.MaxIHaveMessagesPerPeer)
            {
                _counters.DroppedRateLimited++;
                return wanted;
            }

            if (_topics.GetValueOrDefault(item.Topic) is not { Subscribed: true })
            {
                return wanted;
            }

            long now = _time.GetTimestamp();
            long expires = now + Ticks(_options.IWantFollowup);
            int count = Math.Min(item.Ids.Length / MessageId.Size, _options.MaxIHaveLength);
            for (int i = 0; i < count; i++)
            {
                MessageId id = MessageId.Read(item.Ids.AsSpan(i * MessageId.Size));
                if (_seen.Contains(id) || _pendingIWants.GetValueOrDefault(id) > now || _pendingIWants.Count >= _options.MaxPendingIWants)
                {
                    continue;
                }

                _pendingIWants[id] = expires;
                (wanted ??= []).Add(id);
            }

            return wanted;
        }
    }

    /// <summary>Queues IWANT items for <paramref name="wanted"/>, at most <see cref="GossipOptions.MaxIHaveLength"/> ids each.</summary>
    private void AddIWants(NodeId peer, List<MessageId> wanted, Outbox outbox)
    {
        for (int start = 0; start < wanted.Count; start += _options.MaxIHaveLength)
        {
            int count = Math.Min(_options.MaxIHaveLength, wanted.Count - start);
            outbox.Add(peer, new IWantItem { Ids = EncodeIds(wanted, start, count) });
            lock (_sync)
            {
                _counters.IWantSent++;
            }
        }
    }

    private void HandleControl(PeerState peer, PubSubItem item, Outbox outbox)
    {
        switch (item)
        {
            case SubscribeItem { Topic: var topic } when IsValidTopic(topic):
                AddPeerTopic(peer, topic);
                break;
            case UnsubscribeItem { Topic: var topic } when IsValidTopic(topic):
                RemovePeerTopic(peer, topic);
                break;
            case GraftItem { Topic: var topic } when IsValidTopic(topic):
                HandleGraft(peer, topic, outbox);
                break;
            case PruneItem { Topic: var topic } when IsValidTopic(topic):
                if (_topics.GetValueOrDefault(topic) is { Mesh: { } mesh })
                {
                    mesh.Remove(peer.Id);
                    peer.Backoff[topic] = _time.GetTimestamp() + Ticks(_options.PruneBackoff);
                    PubSubLog.Pruned(_logger, peer.Name, topic);
                }

                break;
            case IWantItem want when want.Ids is not null && want.Ids.Length % MessageId.Size == 0:
                HandleIWant(peer, want, outbox);
                break;
            default:
                _counters.DroppedMalformed++;
                break;
        }
    }

    private TopicState? AddPeerTopic(PeerState peer, string topic)
    {
        if (peer.Topics.Contains(topic))
        {
            return _topics[topic];
        }

        TopicState? state = peer.Topics.Count < _options.MaxTopicsPerPeer ? GetOrAddTopic(topic, local: false) : null;
        if (state is null)
        {
            _counters.DroppedTopicLimit++;
            PubSubLog.TopicLimit(_logger, topic, peer.Name);
            return null;
        }

        peer.Topics.Add(topic);
        state.Peers.Add(peer.Id);
        return state;
    }

    private void RemovePeerTopic(PeerState peer, string topic)
    {
        if (!peer.Topics.Remove(topic) || !_topics.TryGetValue(topic, out TopicState? state))
        {
            return;
        }

        state.Peers.Remove(peer.Id);
        state.Mesh?.Remove(peer.Id);
        state.Fanout?.Remove(peer.Id);
        ForgetIfUnused(state);
    }

    /// <summary>A GRAFT joins the peer to our mesh if we subscribe and are not backing off from it; otherwise we answer PRUNE.</summary>
    private void HandleGraft(PeerState peer, string topic, Outbox outbox)
    {
        if (_topics.GetValueOrDefault(topic) is not { Mesh: { } mesh } || peer.InBackoff(topic, _time.GetTimestamp()) || AddPeerTopic(peer, topic) is null)
        {
            outbox.Add(peer.Id, new PruneItem { Topic = topic });
            return;
        }

        // Over DHigh is allowed here: the heartbeat prunes back to D.
        if (mesh.Add(peer.Id))
        {
            PubSubLog.Grafted(_logger, peer.Name, topic);
        }
    }

    /// <summary>Answers IWANT from the message cache, within the peer's per-heartbeat budget.</summary>
    private void HandleIWant(PeerState peer, IWantItem item, Outbox outbox)
    {
        int count = Math.Min(item.Ids.Length / MessageId.Size, _options.MaxIHaveLength);
        List<PubSubItem>? replies = null;
        int size = 16;
        for (int i = 0; i < count && peer.IWantReplies < _options.MaxIWantRepliesPerPeer; i++)
        {
            if (_cache.Get(MessageId.Read(item.Ids.AsSpan(i * MessageId.Size))) is not { } cached)
            {
                continue;
            }

            PublishItem reply = Relayed(cached);
            int itemSize = Outbox.EstimateSize(reply);
            if (replies is not null && size + itemSize > _options.MaxFrameBytes / 2)
            {
                outbox.Send(peer.Id, PubSubCodec.Encode(new PubSubFrame { Items = [.. replies] }), relay: true);
                replies = null;
                size = 16;
            }

            (replies ??= []).Add(reply);
            size += itemSize;
            peer.IWantReplies++;
            _counters.IWantServed++;
        }

        if (replies is not null)
        {
            outbox.Send(peer.Id, PubSubCodec.Encode(new PubSubFrame { Items = [.. replies] }), relay: true);
        }
    }

    /// <summary>The item as we pass it on: one hop more (capped, since hops are not signed and a relayer may lie).</summary>
    private static PublishItem Relayed(PublishItem item) => item with { Hops = Math.Min(item.Hops, 1 << 16) + 1 };

    private static byte[] EncodeIds(List<MessageId> ids, int start, int count)
    {
        byte[] bytes = new byte[count * MessageId.Size];
        for (int i = 0; i < count; i++)
        {
            ids[start + i].WriteTo(bytes.AsSpan(i * MessageId.Size));
        }

        return bytes;
    }
}
