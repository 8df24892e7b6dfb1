using System.Text;
using MeshHost.Mesh.PubSub.Protocol;
using MeshHost.Transport;
using Microsoft.Extensions.Logging;

namespace MeshHost.Mesh.PubSub;

/// <summary>
/// Gossip pub/sub after gossipsub v1.0 (with v1.1's prune backoff): per topic a mesh of about D
/// neighbours that receive every message eagerly, lazy IHAVE/IWANT gossip to other topic peers that
/// repairs what the mesh lost, signed messages, a seen cache so each message is delivered and
/// forwarded once, and bounds on every table. Transport-agnostic: it talks to its neighbours through
/// <see cref="IPubSubLinks"/>. See docs/pubsub.md.
/// </summary>
/// <remarks>
/// Thread-safe: frames from different peers may be handled concurrently, and publish and subscribe
/// may be called from any thread. One lock guards the state; subscriber callbacks and
/// <see cref="IPubSubLinks.TrySend"/> run after it is released. Partial files: inbound frames
/// (<c>.Inbound</c>), the heartbeat (<c>.Heartbeat</c>), sending (<c>.Send</c>).
/// </remarks>
internal sealed partial class GossipRouter : IDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Lock _sync = new();
    private readonly NodeIdentity _identity;
    private readonly IPubSubLinks _links;
    private readonly GossipOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly SignatureVerifier _verifier;
    private readonly Dictionary<NodeId, PeerState> _peers = new();
    private readonly Dictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly SeenCache _seen;
    private readonly MessageCache _cache;
    private readonly Dictionary<MessageId, long> _pendingIWants = new();
    private readonly Counters _counters = new();
    private readonly long _frequency;
    private long _seqno;
    private int _subscribedTopics;
    private ITimer? _timer;
    private bool _disposed;

    /// <summary>Creates a router; call <see cref="Start"/> to run its heartbeat.</summary>
    /// <param name="identity">Signs this node's messages; its id is the origin of what we publish.</param>
    /// <param name="links">Reaches the neighbours.</param>
    /// <param name="options">Parameters (checked with <see cref="GossipOptions.Validate"/>).</param>
    /// <param name="time">The clock of the heartbeat, caches and rate limits.</param>
    /// <param name="logger">Where to log.</param>
    /// <param name="random">Peer selection and the first seqno; seeded in simulations. Default: <see cref="Random.Shared"/>.</param>
    public GossipRouter(NodeIdentity identity, IPubSubLinks links, GossipOptions options, TimeProvider time, ILogger logger, Random? random = null)
        : this(identity, links, options, time, logger, random, null)
    {
    }

    /// <summary>As the public constructor, sharing <paramref name="verifier"/> (a simulation's routers share one key cache).</summary>
    internal GossipRouter(NodeIdentity identity, IPubSubLinks links, GossipOptions options, TimeProvider time, ILogger logger, Random? random, SignatureVerifier? verifier)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _identity = identity;
        _links = links;
        _options = options;
        _time = time;
        _logger = logger;
        // Random.Shared is thread-safe; a caller's Random is used only under the lock.
        _random = random ?? Random.Shared;
        _verifier = verifier ?? new SignatureVerifier(options.VerifierCacheSize);
        OwnsVerifier = verifier is null;
        _frequency = time.TimestampFrequency;
        _seen = new SeenCache(options.MaxSeenMessages, Ticks(options.SeenTtl));
        _cache = new MessageCache(options.HistoryLength, options.MaxCachedMessages, options.MaxMessageCacheBytes);
        // A random start, so that a restarted node's new messages do not collide with its old ids still in seen caches.
        _seqno = _random.NextInt64(long.MaxValue);
    }

    /// <summary>This node's id, the origin of the messages it publishes.</summary>
    public NodeId Id => _identity.Id;

    /// <summary>The topics this node subscribes to.</summary>
    public IReadOnlyList<string> Topics
    {
        get
        {
            lock (_sync)
            {
                var topics = new List<string>(_subscribedTopics);
                foreach (TopicState topic in _topics.Values)
                {
                    if (topic.Subscribed)
                    {
                        topics.Add(topic.Name);
                    }
                }

                return topics;
            }
        }
    }

    /// <summary>A snapshot of the counters and table sizes.</summary>
    public GossipStatistics Statistics
    {
        get
        {
            lock (_sync)
            {
                return _counters.Snapshot(_seen.Count, _cache.Count, _cache.Bytes, _pendingIWants.Count, _peers.Count, _topics.Count);
            }
        }
    }

    private bool OwnsVerifier { get; }

    /// <summary>A neighbour's session is ready: exchange subscriptions with it. Refused (logged) beyond <see cref="GossipOptions.MaxPeers"/>.</summary>
    public void AddPeer(NodeId peer)
    {
        var outbox = new Outbox();
        lock (_sync)
        {
            if (_disposed || _peers.ContainsKey(peer))
            {
                return;
            }

            if (_peers.Count >= _options.MaxPeers)
            {
                PubSubLog.PeerRefused(_logger, peer.ToShortString(), _options.MaxPeers);
                return;
            }

            var state = new PeerState(peer, new TokenBucket(_options.PublishRatePerPeer, _options.PublishBurstPerPeer, _frequency, _time.GetTimestamp()));
            _peers.Add(peer, state);
            foreach (TopicState topic in _topics.Values)
            {
                if (topic.Subscribed)
                {
                    outbox.Add(peer, new SubscribeItem { Topic = topic.Name });
                }
            }

            PubSubLog.PeerAdded(_logger, state.Name);
        }

        Flush(outbox);
    }

    /// <summary>A neighbour's session ended: forget its subscriptions and take it out of every mesh.</summary>
    public void RemovePeer(NodeId peer)
    {
        lock (_sync)
        {
            if (!_peers.Remove(peer, out PeerState? state))
            {
                return;
            }

            foreach (string name in state.Topics)
            {
                if (_topics.TryGetValue(name, out TopicState? topic))
                {
                    topic.Peers.Remove(peer);
                    ForgetIfUnused(topic);
                }
            }

            // A peer can be in a mesh without having announced the topic (it grafted us first).
            foreach (TopicState topic in _topics.Values)
            {
                topic.Mesh?.Remove(peer);
                topic.Fanout?.Remove(peer);
            }

            PubSubLog.PeerRemoved(_logger, state.Name);
        }
    }

    /// <summary>
    /// Subscribes this node to <paramref name="topic"/>: the first subscription announces it to every
    /// neighbour and grafts a mesh. <paramref name="delivery"/> then receives every new message of the
    /// topic once, including the ones this node publishes (with 0 hops).
    /// </summary>
    /// <returns>A handle; disposing it unsubscribes, and the last one leaves the topic (PRUNE to the mesh, UNSUBSCRIBE to all).</returns>
    /// <exception cref="ArgumentException">The topic is empty, longer than <see cref="GossipOptions.MaxTopicBytes"/> or not valid UTF-16.</exception>
    /// <exception cref="InvalidOperationException">This node already subscribes to <see cref="GossipOptions.MaxTopics"/> topics.</exception>
    public IDisposable Subscribe(string topic, TopicDelivery delivery)
    {
        CheckTopic(topic);
        ArgumentNullException.ThrowIfNull(delivery);
        var subscription = new GossipSubscription(this, topic, delivery);
        var outbox = new Outbox();
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            TopicState? state = _topics.GetValueOrDefault(topic);
            if (state is not { Subscribed: true } && _subscribedTopics >= _options.MaxTopics)
            {
                throw new InvalidOperationException($"This node already subscribes to {_options.MaxTopics} topics (GossipOptions.MaxTopics); leave one before joining '{topic}'.");
            }

            state ??= GetOrAddTopic(topic, local: true)
                ?? throw new InvalidOperationException($"This node tracks too many topics ({_topics.Count}) to join '{topic}'.");
            state.Subscriptions = [.. state.Subscriptions, subscription];
            if (state.Subscriptions.Length == 1)
            {
                Join(state, outbox);
            }
        }

        Flush(outbox);
        return subscription;
    }

    /// <summary>
    /// Signs <paramref name="payload"/> and sends it to the topic's mesh (or, when this node does not
    /// subscribe, to a fanout set of up to D topic peers); local subscribers receive it too.
    /// </summary>
    /// <returns>The number of peers the message was first sent to (0 when no topic peer is known yet: the links are asked to find some).</returns>
    /// <exception cref="ArgumentException">The payload is over <see cref="GossipOptions.MaxMessageBytes"/>, or the topic is invalid.</exception>
    public int Publish(string topic, ReadOnlySpan<byte> payload)
    {
        CheckTopic(topic);
        if (payload.Length > _options.MaxMessageBytes)
        {
            throw new ArgumentException(
                $"A topic message may hold at most {_options.MaxMessageBytes} bytes (GossipOptions.MaxMessageBytes); this one holds {payload.Length}. Split it, or share it as content and publish its link.",
                nameof(payload));
        }

        ulong seqno = (ulong)Interlocked.Increment(ref _seqno);
        var item = new PublishItem
        {
            Topic = topic,
            OriginKey = _identity.PublicKey.ToArray(),
            Seqno = seqno,
            Payload = payload.ToArray(),
            Signature = PubSubCodec.Sign(_identity, topic, seqno, payload),
            Hops = 0,
        };
        var id = new MessageId(_identity.Id, seqno);
        var outbox = new Outbox();
        byte[] frame = PubSubCodec.Encode(item with { Hops = 1 });
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _counters.Published++;
            _seen.TryAdd(id, _time.GetTimestamp());
            _cache.Add(id, item);
            TopicState? state = _topics.GetValueOrDefault(topic) ?? GetOrAddTopic(topic, local: true);
            if (state is not null)
            {
                HashSet<NodeId> targets = state.Mesh ?? Fanout(state);
                foreach (NodeId peer in targets)
                {
                    outbox.Send(peer, frame, relay: false);
                }

                if (state.Subscribed)
                {
                    _counters.Delivered++;
                    outbox.Deliveries.Add((state.Subscriptions, _identity.Id, item, 0));
                }

                if (targets.Count == 0)
                {
                    RequestPeersIfDue(state, outbox);
                }
            }
        }

        return Flush(outbox);
    }

    /// <summary>Starts the heartbeat timer (the first beat comes after a random part of one interval, so that nodes do not beat in step).</summary>
    public void Start()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_timer is not null)
            {
                return;
            }

            TimeSpan first = _options.HeartbeatInterval * (0.1 + (0.9 * _random.NextDouble()));
            _timer = _time.CreateTimer(static state => ((GossipRouter)state!).OnTimer(), this, first, _options.HeartbeatInterval);
        }
    }

    /// <summary>Stops the heartbeat; later frames and calls are ignored (publish and subscribe throw).</summary>
    public void Dispose()
    {
        ITimer? timer;
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            timer = _timer;
            _timer = null;
        }

        timer?.Dispose();
        if (OwnsVerifier)
        {
            _verifier.Dispose();
        }
    }

    /// <summary>Ends one local subscription; the last one leaves the topic.</summary>
    internal void Unsubscribe(GossipSubscription subscription)
    {
        var outbox = new Outbox();
        lock (_sync)
        {
            if (_disposed || !_topics.TryGetValue(subscription.Topic, out TopicState? state))
            {
                return;
            }

            int index = Array.IndexOf(state.Subscriptions, subscription);
            if (index < 0)
            {
                return;
            }

            GossipSubscription[] remaining = new GossipSubscription[state.Subscriptions.Length - 1];
            state.Subscriptions.AsSpan(0, index).CopyTo(remaining);
            state.Subscriptions.AsSpan(index + 1).CopyTo(remaining.AsSpan(index));
            state.Subscriptions = remaining;
            if (remaining.Length == 0)
            {
                Leave(state, outbox);
            }
        }

        Flush(outbox);
    }

    /// <summary>The mesh peers of <paramref name="topic"/>, for tests; empty when not subscribed.</summary>
    internal IReadOnlyCollection<NodeId> MeshPeers(string topic)
    {
        lock (_sync)
        {
            return _topics.TryGetValue(topic, out TopicState? state) && state.Mesh is not null ? [.. state.Mesh] : [];
        }
    }

    /// <summary>The fanout peers of <paramref name="topic"/>, for tests; empty when there is no fanout.</summary>
    internal IReadOnlyCollection<NodeId> FanoutPeers(string topic)
    {
        lock (_sync)
        {
            return _topics.TryGetValue(topic, out TopicState? state) && state.Fanout is not null ? [.. state.Fanout] : [];
        }
    }

    private void CheckTopic(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (!IsValidTopic(topic))
        {
            throw new ArgumentException($"A topic name is valid text of at most {_options.MaxTopicBytes} UTF-8 bytes (GossipOptions.MaxTopicBytes); '{topic}' is not.", nameof(topic));
        }
    }

    private bool IsValidTopic(string? topic)
    {
        if (string.IsNullOrEmpty(topic) || topic.Length > _options.MaxTopicBytes)
        {
            return false;
        }

        try
        {
            return StrictUtf8.GetByteCount(topic) <= _options.MaxTopicBytes;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>The state of <paramref name="name"/>, created if the topic limits allow: neighbours may fill <see cref="GossipOptions.MaxTopics"/>, our own use twice that.</summary>
    private TopicState? GetOrAddTopic(string name, bool local)
    {
        if (_topics.TryGetValue(name, out TopicState? state))
        {
            return state;
        }

        if (_topics.Count >= (local ? 2 * _options.MaxTopics : _options.MaxTopics))
        {
            return null;
        }

        state = new TopicState(name);
        _topics.Add(name, state);
        return state;
    }

    private void ForgetIfUnused(TopicState topic)
    {
        if (topic.Unused)
        {
            _topics.Remove(topic.Name);
        }
    }

    /// <summary>Announces the topic and grafts a mesh: fanout peers first (they already get our messages), then random topic peers.</summary>
    private void Join(TopicState state, Outbox outbox)
    {
        _subscribedTopics++;
        long now = _time.GetTimestamp();
        state.Mesh = [];
        if (state.Fanout is not null)
        {
            foreach (NodeId peer in state.Fanout)
            {
                if (state.Mesh.Count < _options.D && !_peers[peer].InBackoff(state.Name, now))
                {
                    state.Mesh.Add(peer);
                }
            }

            state.Fanout = null;
        }

        AddRandom(state.Mesh, state.Peers, _options.D - state.Mesh.Count, now, state.Name);
        foreach (NodeId peer in _peers.Keys)
        {
            outbox.Add(peer, new SubscribeItem { Topic = state.Name });
        }

        foreach (NodeId peer in state.Mesh)
        {
            outbox.Add(peer, new GraftItem { Topic = state.Name });
        }

        if (state.Mesh.Count < _options.DLow)
        {
            RequestPeersIfDue(state, outbox);
        }
    }

    /// <summary>Prunes the mesh and announces that we left.</summary>
    private void Leave(TopicState state, Outbox outbox)
    {
        _subscribedTopics--;
        foreach (NodeId peer in state.Mesh!)
        {
            outbox.Add(peer, new PruneItem { Topic = state.Name });
        }

        state.Mesh = null;
        foreach (PeerState peer in _peers.Values)
        {
            peer.Backoff.Remove(state.Name);
            outbox.Add(peer.Id, new UnsubscribeItem { Topic = state.Name });
        }

        ForgetIfUnused(state);
    }

    /// <summary>The topic's fanout set, created (D random topic peers) or refreshed for a publish.</summary>
    private HashSet<NodeId> Fanout(TopicState state)
    {
        state.Fanout ??= [];
        state.FanoutLastPublished = _time.GetTimestamp();
        if (state.Fanout.Count < _options.D)
        {
            AddRandom(state.Fanout, state.Peers, _options.D - state.Fanout.Count, long.MinValue, null);
        }

        return state.Fanout;
    }

    /// <summary>Adds up to <paramref name="count"/> random members of <paramref name="candidates"/> not yet in <paramref name="set"/> (nor in backoff for <paramref name="backoffTopic"/>).</summary>
    private List<NodeId> AddRandom(HashSet<NodeId> set, HashSet<NodeId> candidates, int count, long now, string? backoffTopic)
    {
        List<NodeId> added = [];
        if (count <= 0)
        {
            return added;
        }

        List<NodeId> pool = [];
        foreach (NodeId peer in candidates)
        {
            if (!set.Contains(peer) && (backoffTopic is null || !_peers[peer].InBackoff(backoffTopic, now)))
            {
                pool.Add(peer);
            }
        }

        Shuffle(pool, count);
        for (int i = 0; i < count && i < pool.Count; i++)
        {
            set.Add(pool[i]);
            added.Add(pool[i]);
        }

        return added;
    }

    /// <summary>Moves <paramref name="count"/> random elements to the front of <paramref name="list"/> (a partial Fisher-Yates shuffle).</summary>
    private void Shuffle<T>(List<T> list, int count)
    {
        for (int i = 0; i < count && i < list.Count - 1; i++)
        {
            int j = i + _random.Next(list.Count - i);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    /// <summary>Asks the links for more topic peers, at most once per <see cref="GossipOptions.TopicPeerRequestInterval"/> per topic.</summary>
    private void RequestPeersIfDue(TopicState state, Outbox outbox)
    {
        long now = _time.GetTimestamp();
        if (state.LastPeerRequest is long last && now - last < Ticks(_options.TopicPeerRequestInterval))
        {
            return;
        }

        state.LastPeerRequest = now;
        _counters.TopicPeerRequests++;
        outbox.TopicPeerRequests.Add((state.Name, state.Mesh?.Count ?? state.Fanout?.Count ?? 0));
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _frequency);
}
