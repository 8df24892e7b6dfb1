using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger;

/// <summary>
/// Counts invalid blocks and headers per peer; at <see cref="Threshold"/> the peer is ignored for
/// the configured time (default 10 min), then forgiven. At most <see cref="Capacity"/> peers are tracked (the
/// oldest record goes first), so a flood of identities cannot grow the table.
/// </summary>
internal sealed class PeerPenalties
{
    public const int Threshold = 3;

    public const int Capacity = 1024;

    private readonly Lock _sync = new();
    private readonly Dictionary<PeerId, (int Count, long Until, long Since)> _peers = [];
    private readonly TimeProvider _time;

    public PeerPenalties(TimeProvider time, TimeSpan ignoreFor)
    {
        _time = time;
        IgnoreFor = ignoreFor;
    }

    public TimeSpan IgnoreFor { get; }

    /// <summary>Records an offence; true when the peer is now ignored.</summary>
    public bool Penalise(PeerId peer, out int count)
    {
        long now = _time.GetTimestamp();
        lock (_sync)
        {
            if (!_peers.TryGetValue(peer, out (int Count, long Until, long Since) record) && _peers.Count >= Capacity)
            {
                PeerId oldest = default;
                long oldestSince = long.MaxValue;
                foreach ((PeerId id, (int _, long _, long since)) in _peers)
                {
                    if (since < oldestSince)
                    {
                        oldest = id;
                        oldestSince = since;
                    }
                }

                _peers.Remove(oldest);
            }

            count = record.Count + 1;
            bool ignored = count >= Threshold;
            _peers[peer] = (ignored ? 0 : count, ignored ? now + (long)(IgnoreFor.TotalSeconds * _time.TimestampFrequency) : record.Until, record.Since == 0 ? now : record.Since);
            return ignored;
        }
    }

    public bool IsIgnored(PeerId peer)
    {
        lock (_sync)
        {
            return _peers.TryGetValue(peer, out (int Count, long Until, long Since) record) && record.Until > _time.GetTimestamp();
        }
    }
}
