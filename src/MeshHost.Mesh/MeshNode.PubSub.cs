using MeshHost.Dht.Records;
using MeshHost.MessagePack;
using MeshHost.Mesh.Channels;
using MeshHost.Mesh.Protocol;
using MeshHost.Mesh.PubSub;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh;

public sealed partial class MeshNode
{
    /// <summary>How many providers of a topic a node dials when its topic mesh runs short.</summary>
    private const int TopicPeersPerLookup = 6;

    private static readonly TimeSpan TopicLookupInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _topicsLock = new();
    private readonly Dictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _topicLookups = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public ITopic<T> OpenTopic<T>(string name)
        where T : IMessagePackSerializable<T>
    {
        ChannelTable.ValidateName(name);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        return new TopicHandle<T>(this, name);
    }

    internal int PublishTopic(string topic, ReadOnlySpan<byte> payload)
    {
        int sent = _router.Publish(topic, payload);
        Interlocked.Increment(ref _counters.TopicPublished);
        return sent;
    }

    /// <summary>Adds a local sink for <paramref name="topic"/>; the first joins the topic mesh and announces it in the DHT.</summary>
    internal IDisposable SubscribeTopic(string topic, TopicDelivery sink)
    {
        TopicState state;
        bool first = false;
        lock (_topicsLock)
        {
            if (!_topics.TryGetValue(topic, out state!))
            {
                state = new TopicState();
                _topics.Add(topic, state);
                first = true;
            }

            state.Sinks = [.. state.Sinks, sink];
        }

        if (first)
        {
            try
            {
                state.Subscription = _router.Subscribe(topic, (origin, payload, hops) => DeliverTopic(state, origin, payload, hops));
            }
            catch
            {
                lock (_topicsLock)
                {
                    _topics.Remove(topic); // e.g. the router's topic limit: leave nothing half-joined
                }

                throw;
            }

            Observe(AnnounceTopicAsync(topic), "announce topic");
        }

        return new TopicSinkRegistration(this, topic, sink);
    }

    private void Unsubscribe(string topic, TopicDelivery sink)
    {
        IDisposable? leave = null;
        lock (_topicsLock)
        {
            if (!_topics.TryGetValue(topic, out TopicState? state))
            {
                return;
            }

            int index = Array.IndexOf(state.Sinks, sink);
            if (index < 0)
            {
                return;
            }

            state.Sinks = [.. state.Sinks.AsSpan(0, index), .. state.Sinks.AsSpan(index + 1)];
            if (state.Sinks.Length == 0)
            {
                _topics.Remove(topic);
                leave = state.Subscription;
            }
        }

        if (leave is not null)
        {
            leave.Dispose();
            _dht.StopPublishing(RecordKind.Provider, TopicKey(topic));
        }
    }

    private void DeliverTopic(TopicState state, NodeId origin, ReadOnlySpan<byte> payload, int hops)
    {
        if (origin == Id)
        {
            return; // the SDK promises a node does not receive its own messages
        }

        Interlocked.Increment(ref _counters.TopicDelivered);
        foreach (TopicDelivery sink in Volatile.Read(ref state.Sinks))
        {
            sink(origin, payload, hops);
        }
    }

    private async Task AnnounceTopicAsync(string topic)
    {
        await _dht.ProvideAsync(TopicKey(topic), OwnPeerInfo(), _stopping.Token).ConfigureAwait(false);
        await FindTopicPeersAsync(topic).ConfigureAwait(false);
    }

    private void RequestTopicPeers(string topic)
    {
        long now = _time.GetTimestamp();
        lock (_topicsLock)
        {
            if (_topicLookups.TryGetValue(topic, out long last) && _time.GetElapsedTime(last, now) < TopicLookupInterval)
            {
                return;
            }

            if (_topicLookups.Count >= 1024)
            {
                _topicLookups.Clear();
            }

            _topicLookups[topic] = now;
        }

        Observe(FindTopicPeersAsync(topic), "find topic peers");
    }

    private async Task FindTopicPeersAsync(string topic)
    {
        List<NodeId> providers = await FindProviderIdsAsync(TopicKey(topic), TopicPeersPerLookup * 2, _stopping.Token).ConfigureAwait(false);
        var dials = new List<Task>();
        foreach (NodeId provider in providers)
        {
            if (dials.Count == TopicPeersPerLookup)
            {
                break;
            }

            if (GetReadyConnection(provider) is null)
            {
                dials.Add(DialDiscoveredAsync(provider));
            }
        }

        await Task.WhenAll(dials).ConfigureAwait(false);
    }

    private long TopicDroppedCount()
    {
        GossipStatistics stats = _router.Statistics;
        return stats.DroppedInvalidSignature + stats.DroppedMalformed + stats.DroppedTooLarge + stats.DroppedRateLimited
            + stats.DroppedTopicLimit + stats.DroppedUnknownPeer;
    }

    private sealed class TopicState
    {
        public TopicDelivery[] Sinks = [];

        public IDisposable? Subscription { get; set; }
    }

    private sealed class TopicSinkRegistration(MeshNode node, string topic, TopicDelivery sink) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                node.Unsubscribe(topic, sink);
            }
        }
    }

    /// <summary>The router's links over this node's sessions (transport channel 2).</summary>
    private sealed class PubSubLinks(MeshNode node) : IPubSubLinks
    {
        public bool TrySend(NodeId peer, ReadOnlySpan<byte> frame)
        {
            if (node.GetAnyConnection(peer) is not { } connection)
            {
                return false;
            }

            connection.Touch(node._time.GetTimestamp());
            return connection.Session.TrySend(MeshChannels.PubSub, DeliveryMethod.ReliableUnordered, frame) == SendResult.Queued;
        }

        public void RequestTopicPeers(string topic) => node.RequestTopicPeers(topic);
    }
}
