using MeshHost.Sdk;

namespace MeshHost.Plugins.Runtime;

/// <summary>Content routing as a plugin sees it: keys it provides stop being republished when it stops.</summary>
internal sealed class TrackedContentRouting : IContentRouting
{
    private readonly IContentRouting _inner;
    private readonly ResourceTracker _tracker;
    private readonly Dictionary<string, Provided> _provided = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public TrackedContentRouting(ResourceTracker tracker, IContentRouting inner)
    {
        _tracker = tracker;
        _inner = inner;
    }

    public Task<int> ProvideAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        string hex = Convert.ToHexString(key.Span);
        Provided? added = null;
        lock (_lock)
        {
            if (!_provided.ContainsKey(hex))
            {
                added = new Provided(_tracker, this, key.ToArray(), hex);
                _provided.Add(hex, added);
            }
        }

        if (added is not null)
        {
            _tracker.Add(added);
        }

        return _inner.ProvideAsync(key, cancellationToken);
    }

    public void StopProviding(ReadOnlyMemory<byte> key)
    {
        Provided? provided;
        lock (_lock)
        {
            _provided.TryGetValue(Convert.ToHexString(key.Span), out provided);
        }

        if (provided is null)
        {
            _inner.StopProviding(key);
        }
        else
        {
            provided.Dispose();
        }
    }

    public Task<IReadOnlyList<PeerId>> FindProvidersAsync(ReadOnlyMemory<byte> key, int maxCount = 20, CancellationToken cancellationToken = default) =>
        _inner.FindProvidersAsync(key, maxCount, cancellationToken);

    private void Release(Provided provided)
    {
        lock (_lock)
        {
            _provided.Remove(provided.Hex);
        }

        _inner.StopProviding(provided.Key);
    }

    private sealed class Provided : TrackedResource
    {
        private readonly TrackedContentRouting _owner;

        public Provided(ResourceTracker tracker, TrackedContentRouting owner, byte[] key, string hex)
            : base(tracker)
        {
            _owner = owner;
            Key = key;
            Hex = hex;
        }

        public byte[] Key { get; }

        public string Hex { get; }

        protected override void Release() => _owner.Release(this);
    }
}
