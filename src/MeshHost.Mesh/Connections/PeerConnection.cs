using System.Text;
using MeshHost.Mesh.Protocol;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh.Connections;

/// <summary>
/// One session with a peer, as the mesh sees it: ready once the peer's HELLO arrived, with the
/// peer's channel table (which id to send each named channel on), an ordered control queue and
/// its last application activity.
/// </summary>
internal sealed class PeerConnection
{
    /// <summary>The most entries a peer's channel table may hold; more are ignored.</summary>
    public const int MaxRemoteChannels = MeshLimits.MaxChannels;

    /// <summary>Control messages that may wait for send-buffer room; beyond this the session is hopeless and is closed.</summary>
    public const int MaxQueuedControlMessages = 64;

    private readonly Lock _sync = new();
    private readonly Dictionary<string, byte> _remoteChannels = new(StringComparer.Ordinal);
    private readonly string?[] _remoteNames = new string?[256];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<byte[]> _controlQueue = new();
    private bool _controlDraining;
    private long _lastActivity;
    private bool _relayed;
    private double _dhtTokens;
    private long _dhtBucketStamp;

    public PeerConnection(Session session, long now)
    {
        Session = session;
        ConnectedAt = now;
        _lastActivity = now;
        _relayed = Nat.RelayAddresses.IsRelayAddress(session.RemoteEndPoint.Address);

        // A session that closes before its HELLO faults Ready; nobody may be waiting on it.
        _ready.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public Session Session { get; }

    public NodeId Id => Session.RemoteId;

    public long ConnectedAt { get; }

    public string Agent { get; private set; } = "";

    public Task Ready => _ready.Task;

    /// <summary>
    /// True when the session runs through a relay circuit (its remote address is a circuit address).
    /// A cached reading, refreshed by <see cref="RefreshPath"/>, because reading the session's address
    /// takes the session's lock, which must never be taken under the node's.
    /// </summary>
    public bool IsRelayed => Volatile.Read(ref _relayed);

    /// <summary>Re-reads the path (a relayed session moves to a direct one when a punch succeeds); returns <see cref="IsRelayed"/>.</summary>
    public bool RefreshPath()
    {
        bool relayed = Nat.RelayAddresses.IsRelayAddress(Session.RemoteEndPoint.Address);
        Volatile.Write(ref _relayed, relayed);
        return relayed;
    }

    /// <summary>The endpoint last reported to the peer as where we see it (re-sent when its NAT rebinds).</summary>
    public System.Net.IPEndPoint? ReportedEndPoint { get; set; }

    /// <summary>The peer said it relays for others.</summary>
    public bool PeerServesRelay { get; set; }

    /// <summary>A relay reservation holds this session open (either side): it is never pruned as idle.</summary>
    public bool Reserved { get; set; }

    /// <summary>When this node last dialled the peer back for a reachability check (0: never).</summary>
    public long LastDialBackServed { get; set; }

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    public long LastActivity => Interlocked.Read(ref _lastActivity);

    public void Touch(long now) => Interlocked.Exchange(ref _lastActivity, now);

    /// <summary>
    /// Takes one DHT request from the peer's budget (a token bucket of <paramref name="burst"/>
    /// refilled at <paramref name="perSecond"/>); false when it is spent.
    /// </summary>
    public bool TryTakeDhtRequest(TimeProvider time, double perSecond, double burst)
    {
        long now = time.GetTimestamp();
        lock (_sync)
        {
            if (_dhtBucketStamp == 0)
            {
                _dhtTokens = burst;
            }
            else
            {
                double refill = time.GetElapsedTime(_dhtBucketStamp, now).TotalSeconds * perSecond;
                _dhtTokens = Math.Min(burst, _dhtTokens + refill);
            }

            _dhtBucketStamp = now;
            if (_dhtTokens < 1)
            {
                return false;
            }

            _dhtTokens--;
            return true;
        }
    }

    /// <summary>
    /// Queues a control message behind any already waiting, so control messages keep their order
    /// and are never silently lost to a full send buffer. False when too many are waiting (the
    /// caller closes the session: a stale channel table is worse than a reconnect).
    /// </summary>
    public bool EnqueueControl(byte[] message)
    {
        lock (_sync)
        {
            if (_controlDraining || _controlQueue.Count > 0)
            {
                if (_controlQueue.Count >= MaxQueuedControlMessages)
                {
                    return false;
                }

                _controlQueue.Enqueue(message);
                return true;
            }

            switch (Session.TrySend(MeshChannels.Control, DeliveryMethod.ReliableOrdered, message))
            {
                case SendResult.Queued:
                case SendResult.Closed:
                    return true;
                case SendResult.WouldBlock:
                    _controlQueue.Enqueue(message);
                    _controlDraining = true;
                    break;
                default:
                    return false;
            }
        }

        _ = DrainControlAsync();
        return true;
    }

    /// <summary>Applies the peer's HELLO; false if it came twice (a protocol violation).</summary>
    public bool ApplyHello(HelloMessage hello)
    {
        lock (_sync)
        {
            if (_ready.Task.IsCompleted)
            {
                return false;
            }

            Agent = hello.Agent.Length > 64 ? hello.Agent[..64] : hello.Agent;
            AddChannelsLocked(hello.Channels);
        }

        _ready.TrySetResult();
        return true;
    }

    public void AddChannels(ChannelEntry[] entries)
    {
        lock (_sync)
        {
            AddChannelsLocked(entries);
        }
    }

    public void RemoveChannels(byte[] ids)
    {
        lock (_sync)
        {
            foreach (byte id in ids)
            {
                if (_remoteNames[id] is { } name)
                {
                    _remoteNames[id] = null;
                    _remoteChannels.Remove(name);
                }
            }
        }
    }

    public bool TryGetRemoteChannel(string name, out byte id)
    {
        lock (_sync)
        {
            return _remoteChannels.TryGetValue(name, out id);
        }
    }

    public void Fail(Exception reason) => _ready.TrySetException(reason);

    private void AddChannelsLocked(ChannelEntry[] entries)
    {
        foreach (ChannelEntry entry in entries)
        {
            if (entry.Id is < MeshChannels.FirstNamed or > MeshChannels.LastNamed
                || entry.Name.Length == 0 || Encoding.UTF8.GetByteCount(entry.Name) > MeshLimits.MaxChannelNameBytes)
            {
                continue; // a peer cannot make us send on a reserved id, or hold long names
            }

            bool known = _remoteChannels.TryGetValue(entry.Name, out byte oldId);
            if (!known && _remoteChannels.Count >= MaxRemoteChannels)
            {
                continue;
            }

            if (known)
            {
                _remoteNames[oldId] = null;
            }

            if (_remoteNames[entry.Id] is { } previous)
            {
                _remoteChannels.Remove(previous); // the id now means another channel
            }

            _remoteChannels[entry.Name] = entry.Id;
            _remoteNames[entry.Id] = entry.Name;
        }
    }

    private async Task DrainControlAsync()
    {
        while (true)
        {
            byte[] next;
            lock (_sync)
            {
                if (_controlQueue.Count == 0)
                {
                    _controlDraining = false;
                    return;
                }

                next = _controlQueue.Peek();
            }

            try
            {
                await Session.SendAsync(MeshChannels.Control, DeliveryMethod.ReliableOrdered, next).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                lock (_sync)
                {
                    _controlQueue.Clear(); // the session closed: nothing more to send
                    _controlDraining = false;
                }

                return;
            }

            lock (_sync)
            {
                _controlQueue.Dequeue();
            }
        }
    }
}
