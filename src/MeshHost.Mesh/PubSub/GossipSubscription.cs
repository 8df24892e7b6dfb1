namespace MeshHost.Mesh.PubSub;

/// <summary>One local subscription; disposing it unsubscribes (once).</summary>
internal sealed class GossipSubscription : IDisposable
{
    private readonly GossipRouter _router;
    private int _disposed;

    public GossipSubscription(GossipRouter router, string topic, TopicDelivery delivery)
    {
        _router = router;
        Topic = topic;
        Delivery = delivery;
    }

    public string Topic { get; }

    public TopicDelivery Delivery { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _router.Unsubscribe(this);
        }
    }
}
