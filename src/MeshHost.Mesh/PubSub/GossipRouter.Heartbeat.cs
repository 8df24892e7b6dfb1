using MeshHost.Mesh.PubSub.Protocol;
using MeshHost.Transport;

namespace MeshHost.Mesh.PubSub;

/// <summary>The heartbeat: mesh maintenance, fanout expiry, IHAVE gossip, cache and budget upkeep.</summary>
internal sealed partial class GossipRouter
{
    /// <summary>One heartbeat; the timer calls it every <see cref="GossipOptions.HeartbeatInterval"/>, tests may call it directly.</summary>
    internal void Heartbeat()
    {
        var outbox = new Outbox();
        List<(string Peer, int Count)>? rateLimited = null;
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            long now = _time.GetTimestamp();
            foreach (PeerState peer in _peers.Values)
            {
                if (peer.RateLimited > 0)
                {
                    (rateLimited ??= []).Add((peer.Name, peer.RateLimited));
                }

                peer.IHaves = 0;
                peer.IWantReplies = 0;
                peer.RateLimited = 0;
                ExpireBackoff(peer, now);
            }

            _seen.Expire(now);
            ExpirePendingIWants(now);
            List<TopicState>? unused = null;
            foreach (TopicState topic in _topics.Values)
            {
                if (topic.Mesh is not null)
                {
                    MaintainMesh(topic, now, outbox);
                }
                else if (topic.Fanout is not null && !MaintainFanout(topic, now))
                {
                    (unused ??= []).Add(topic);
                }
            }

            foreach (TopicState topic in unused ?? [])
            {
                ForgetIfUnused(topic);
            }

            EmitGossip(outbox);
            _cache.Shift();
        }

        foreach ((string peer, int count) in rateLimited ?? [])
        {
            PubSubLog.RateLimited(_logger, peer, count);
        }

        Flush(outbox);
    }

    private void OnTimer()
    {
        try
        {
            Heartbeat();
        }
        catch (Exception e)
        {
            PubSubLog.HeartbeatFailed(_logger, e);
            lock (_sync)
            {
                _counters.InternalErrors++;
            }
        }
    }

    /// <summary>Keeps the mesh within [DLow, DHigh]: grafts up to D when below, prunes random peers down to D when above.</summary>
    private void MaintainMesh(TopicState topic, long now, Outbox outbox)
    {
        HashSet<NodeId> mesh = topic.Mesh!;
        if (mesh.Count < _options.DLow)
        {
            foreach (NodeId peer in AddRandom(mesh, topic.Peers, _options.D - mesh.Count, now, topic.Name))
            {
                outbox.Add(peer, new GraftItem { Topic = topic.Name });
                PubSubLog.Grafted(_logger, _peers[peer].Name, topic.Name);
            }

            if (mesh.Count < _options.DLow)
            {
                RequestPeersIfDue(topic, outbox);
            }
        }
        else if (mesh.Count > _options.DHigh)
        {
            List<NodeId> members = [.. mesh];
            Shuffle(members, members.Count);
            long until = now + Ticks(_options.PruneBackoff);
            for (int i = _options.D; i < members.Count; i++)
            {
                NodeId peer = members[i];
                mesh.Remove(peer);
                _peers[peer].Backoff[topic.Name] = until;
                outbox.Add(peer, new PruneItem { Topic = topic.Name });
                PubSubLog.Pruned(_logger, _peers[peer].Name, topic.Name);
            }
        }
    }

    /// <summary>Expires an unused fanout set or tops it up to D; false when it expired.</summary>
    private bool MaintainFanout(TopicState topic, long now)
    {
        if (now - topic.FanoutLastPublished >= Ticks(_options.FanoutTtl))
        {
            topic.Fanout = null;
            return false;
        }

        AddRandom(topic.Fanout!, topic.Peers, _options.D - topic.Fanout!.Count, long.MinValue, null);
        return true;
    }

    /// <summary>Sends IHAVE with the ids of the last <see cref="GossipOptions.HistoryGossip"/> windows to DLazy random topic peers outside the mesh (or fanout).</summary>
    private void EmitGossip(Outbox outbox)
    {
        if (_options.DLazy == 0 || _options.HistoryGossip == 0)
        {
            return;
        }

        var byTopic = new Dictionary<string, List<MessageId>>(StringComparer.Ordinal);
        _cache.CollectGossip(_options.HistoryGossip, byTopic);
        foreach ((string name, List<MessageId> ids) in byTopic)
        {
            if (!_topics.TryGetValue(name, out TopicState? topic) || (topic.Mesh ?? topic.Fanout) is not { } eager)
            {
                continue;
            }

            var targets = new HashSet<NodeId>();
            foreach (NodeId peer in eager)
            {
                targets.Add(peer);
            }

            // The eager peers are in targets only to exclude them from the draw.
            List<NodeId> lazy = AddRandom(targets, topic.Peers, _options.DLazy, long.MinValue, null);
            if (lazy.Count == 0)
            {
                continue;
            }

            // The newest ids when there are too many: they are the likeliest to be missing somewhere.
            int start = Math.Max(0, ids.Count - _options.MaxIHaveLength);
            byte[] encoded = EncodeIds(ids, start, ids.Count - start);
            foreach (NodeId peer in lazy)
            {
                outbox.Add(peer, new IHaveItem { Topic = name, Ids = encoded });
                _counters.IHaveSent++;
            }
        }
    }

    private static void ExpireBackoff(PeerState peer, long now)
    {
        if (peer.Backoff.Count == 0)
        {
            return;
        }

        List<string>? expired = null;
        foreach ((string topic, long until) in peer.Backoff)
        {
            if (until <= now)
            {
                (expired ??= []).Add(topic);
            }
        }

        foreach (string topic in expired ?? [])
        {
            peer.Backoff.Remove(topic);
        }
    }

    private void ExpirePendingIWants(long now)
    {
        List<MessageId>? expired = null;
        foreach ((MessageId id, long until) in _pendingIWants)
        {
            if (until <= now)
            {
                (expired ??= []).Add(id);
            }
        }

        foreach (MessageId id in expired ?? [])
        {
            _pendingIWants.Remove(id);
        }
    }
}
