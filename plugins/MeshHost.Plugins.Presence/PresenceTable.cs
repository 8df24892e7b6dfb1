using MeshHost.Sdk;

namespace MeshHost.Plugins.Presence;

/// <summary>One peer the table holds, as <see cref="PresencePlugin.Online"/> lists it.</summary>
/// <param name="Peer">The peer's id (the heartbeat's signed origin).</param>
/// <param name="Name">The name it gave, possibly empty.</param>
/// <param name="Sequence">The sequence number of its latest beat.</param>
/// <param name="Interval">The beat interval it declared.</param>
/// <param name="LastSeen">How long ago its latest beat arrived.</param>
public sealed record PresenceEntry(PeerId Peer, string Name, ulong Sequence, TimeSpan Interval, TimeSpan LastSeen);

/// <summary>What the table did with heartbeats so far; every counter only grows.</summary>
/// <param name="Accepted">Beats that added or refreshed an entry.</param>
/// <param name="Rejected">Beats outside <see cref="PresenceLimits"/>: dropped.</param>
/// <param name="Stale">Beats older than one already seen from the same incarnation: dropped.</param>
/// <param name="Expired">Entries removed after missing their beats.</param>
/// <param name="Evicted">Entries removed to make room when the table was full.</param>
public sealed record PresenceCounters(long Accepted, long Rejected, long Stale, long Expired, long Evicted);

/// <summary>What <see cref="PresenceTable.Record"/> did with a heartbeat.</summary>
internal enum HeartbeatOutcome
{
    Accepted,
    Rejected,
    Stale,
}

/// <summary>
/// Who is online: a bounded map from peer to its latest heartbeat. Thread-safe: heartbeats arrive on
/// the topic's worker while the control API reads on request threads.
/// </summary>
internal sealed class PresenceTable(int capacity, TimeProvider time)
{
    private readonly Lock _sync = new();
    private readonly Dictionary<PeerId, Entry> _entries = [];
    private long _accepted;
    private long _rejected;
    private long _stale;
    private long _expired;
    private long _evicted;

    public PresenceCounters Counters
    {
        get
        {
            lock (_sync)
            {
                return new PresenceCounters(_accepted, _rejected, _stale, _expired, _evicted);
            }
        }
    }

    /// <summary>A peer expires after <see cref="PresenceLimits.MissedBeatsToExpire"/> missed beats, plus half a beat for delivery delay.</summary>
    public static TimeSpan ExpiryAfter(TimeSpan interval) => interval * (PresenceLimits.MissedBeatsToExpire + 0.5);

    /// <summary>Records a heartbeat.</summary>
    public HeartbeatOutcome Record(PeerId from, PresenceHeartbeat beat)
    {
        lock (_sync)
        {
            if (!IsValid(beat))
            {
                _rejected++;
                return HeartbeatOutcome.Rejected;
            }

            long now = time.GetTimestamp();
            if (_entries.TryGetValue(from, out Entry? entry))
            {
                if (entry.Incarnation == beat.Incarnation && beat.Sequence <= entry.Sequence && !IsExpired(entry, now))
                {
                    _stale++;
                    return HeartbeatOutcome.Stale;
                }
            }
            else
            {
                SweepLocked(now);
                if (_entries.Count >= capacity)
                {
                    EvictOldestLocked();
                }
            }

            _entries[from] = new Entry(beat.Incarnation, beat.Sequence, beat.Name, TimeSpan.FromMilliseconds(beat.IntervalMilliseconds), now);
            _accepted++;
            return HeartbeatOutcome.Accepted;
        }
    }

    /// <summary>Removes the peers that missed their beats.</summary>
    public void Sweep()
    {
        lock (_sync)
        {
            SweepLocked(time.GetTimestamp());
        }
    }

    /// <summary>The live entries, ordered by peer id.</summary>
    public IReadOnlyList<PresenceEntry> Snapshot()
    {
        lock (_sync)
        {
            long now = time.GetTimestamp();
            SweepLocked(now);
            var list = new List<PresenceEntry>(_entries.Count);
            foreach ((PeerId peer, Entry entry) in _entries)
            {
                list.Add(new PresenceEntry(peer, entry.Name, entry.Sequence, entry.Interval, time.GetElapsedTime(entry.LastSeen, now)));
            }

            list.Sort(static (a, b) => a.Peer.CompareTo(b.Peer));
            return list;
        }
    }

    private static bool IsValid(PresenceHeartbeat beat) =>
        beat.IntervalMilliseconds is >= PresenceLimits.MinIntervalMilliseconds and <= PresenceLimits.MaxIntervalMilliseconds
        && beat.Name is { Length: <= PresenceLimits.MaxNameLength };

    private bool IsExpired(Entry entry, long now) => time.GetElapsedTime(entry.LastSeen, now) > ExpiryAfter(entry.Interval);

    private void SweepLocked(long now)
    {
        List<PeerId>? expired = null;
        foreach ((PeerId peer, Entry entry) in _entries)
        {
            if (IsExpired(entry, now))
            {
                (expired ??= []).Add(peer);
            }
        }

        if (expired is not null)
        {
            foreach (PeerId peer in expired)
            {
                _entries.Remove(peer);
            }

            _expired += expired.Count;
        }
    }

    private void EvictOldestLocked()
    {
        PeerId oldest = default;
        long oldestSeen = long.MaxValue;
        foreach ((PeerId peer, Entry entry) in _entries)
        {
            if (entry.LastSeen < oldestSeen)
            {
                oldest = peer;
                oldestSeen = entry.LastSeen;
            }
        }

        if (_entries.Remove(oldest))
        {
            _evicted++;
        }
    }

    private sealed record Entry(ulong Incarnation, ulong Sequence, string Name, TimeSpan Interval, long LastSeen);
}
