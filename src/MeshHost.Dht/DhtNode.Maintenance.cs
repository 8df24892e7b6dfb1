using System.Net;
using MeshHost.Dht.Protocol;

namespace MeshHost.Dht;

public sealed partial class DhtNode
{
    private readonly List<DhtContact> _seeds = new();
    private ITimer? _refreshTimer;
    private ITimer? _republishTimer;
    private ITimer? _saveTimer;
    private int _refreshRunning;
    private int _republishRunning;

    /// <summary>
    /// Joins the network: pings the seeds (and the contacts saved in the data directory), adds those
    /// that answer, looks up this node's own id so that its neighbours learn it, then refreshes the
    /// buckets farther than its closest neighbour when <paramref name="refreshBuckets"/> is true.
    /// The seeds are remembered so that the node can rejoin after losing every contact.
    /// </summary>
    /// <returns>How many contacts the routing table holds afterwards.</returns>
    public async Task<int> BootstrapAsync(IEnumerable<IPEndPoint> seeds, bool refreshBuckets = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        lock (_sync)
        {
            foreach (IPEndPoint seed in seeds)
            {
                _seeds.Add(new DhtContact(default, seed));
            }
        }

        return await JoinAsync(refreshBuckets, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the periodic work: bucket refresh (which also rejoins through the seeds when the
    /// table is empty), republishing this node's records, and saving the routing table.
    /// </summary>
    public void Start()
    {
        TimeSpan refreshTick = Options.RefreshInterval / 4;
        _refreshTimer = Time.CreateTimer(static s => ((DhtNode)s!).OnRefreshTimer(), this, refreshTick, refreshTick);
        _republishTimer = Time.CreateTimer(static s => ((DhtNode)s!).OnRepublishTimer(), this, Options.RepublishInterval, Options.RepublishInterval);
        if (Options.DataDirectory is not null)
        {
            _saveTimer = Time.CreateTimer(static s => ((DhtNode)s!).SaveRoutingTable(), this, Options.SaveInterval, Options.SaveInterval);
        }
    }

    /// <summary>
    /// Looks up a random id in every bucket no lookup has covered for <see cref="DhtOptions.RefreshInterval"/>,
    /// and rejoins through the seeds and saved contacts if the table is empty.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        if (RoutingTableCount == 0)
        {
            DhtLog.Rejoining(_logger, _seeds.Count);
            await JoinAsync(refreshBuckets: false, cancellationToken).ConfigureAwait(false);
        }

        List<Transport.NodeId> targets = new();
        lock (_sync)
        {
            long before = Time.GetTimestamp() - (long)(Options.RefreshInterval.TotalSeconds * Time.TimestampFrequency);
            foreach (int bucket in _table.StaleBuckets(before))
            {
                targets.Add(_table.RandomIdInBucket(bucket, _random));
            }
        }

        foreach (Transport.NodeId target in targets)
        {
            await FindNodeAsync(target, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<int> JoinAsync(bool refreshBuckets, CancellationToken cancellationToken)
    {
        var candidates = new List<DhtContact>();
        lock (_sync)
        {
            candidates.AddRange(_seeds);
            candidates.AddRange(_table.All());
        }

        if (Options.DataDirectory is not null)
        {
            try
            {
                candidates.AddRange(RoutingTableFile.Load(Options.DataDirectory));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                DhtLog.LoadFailed(_logger, Options.DataDirectory, e);
            }
        }

        var pings = new List<ValueTask<DhtResponse?>>(candidates.Count);
        foreach (DhtContact candidate in candidates)
        {
            pings.Add(CallAsync(candidate, new PingRequest(), Options.MaxRetries, cancellationToken));
        }

        foreach (ValueTask<DhtResponse?> ping in pings)
        {
            await ping.ConfigureAwait(false);
        }

        LookupResult self = await FindNodeAsync(Id, cancellationToken).ConfigureAwait(false);
        if (refreshBuckets && self.Closest.Count > 0)
        {
            // Kademlia's join: refresh every bucket farther than the closest neighbour.
            int nearest;
            var targets = new List<Transport.NodeId>();
            lock (_sync)
            {
                nearest = _table.BucketIndex(self.Closest[0].Id);
                for (int i = 0; i < nearest; i++)
                {
                    targets.Add(_table.RandomIdInBucket(i, _random));
                }
            }

            foreach (Transport.NodeId target in targets)
            {
                await FindNodeAsync(target, cancellationToken).ConfigureAwait(false);
            }
        }

        int count = RoutingTableCount;
        DhtLog.Joined(_logger, count);
        return count;
    }

    private void OnRefreshTimer()
    {
        if (Interlocked.Exchange(ref _refreshRunning, 1) == 0)
        {
            _ = RunBackgroundAsync(static n => n.RefreshAsync(), "refresh", static n => Volatile.Write(ref n._refreshRunning, 0));
        }
    }

    private void OnRepublishTimer()
    {
        if (Interlocked.Exchange(ref _republishRunning, 1) == 0)
        {
            _ = RunBackgroundAsync(static n => n.RepublishAsync(), "republish", static n => Volatile.Write(ref n._republishRunning, 0));
        }

        lock (_sync)
        {
            _store.PurgeAll(Time.GetUtcNow().ToUnixTimeMilliseconds());
        }
    }

    private async Task RunBackgroundAsync(Func<DhtNode, Task> work, string name, Action<DhtNode> done)
    {
        try
        {
            await work(this).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            DhtLog.BackgroundFailed(_logger, name, e);
        }
        finally
        {
            done(this);
        }
    }

    private void SaveRoutingTable()
    {
        if (Options.DataDirectory is null)
        {
            return;
        }

        try
        {
            RoutingTableFile.Save(Options.DataDirectory, GetContacts());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DhtLog.SaveFailed(_logger, Options.DataDirectory, e);
        }
    }

    private void StopMaintenance()
    {
        _refreshTimer?.Dispose();
        _republishTimer?.Dispose();
        _saveTimer?.Dispose();
    }
}
