using System.Net;
using MeshHost.Dht;
using MeshHost.Dht.Protocol;
using MeshHost.Dht.Records;
using MeshHost.Mesh.Connections;
using MeshHost.Mesh.Nat;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh;

public sealed partial class MeshNode
{
    /// <summary>The most peers whose addresses (from LAN beacons and provider records) are remembered for dialling.</summary>
    internal const int MaxAddressBookEntries = 1024;

    /// <summary>The most dials by id under way at once (LAN beacons are unauthenticated: they must not start unbounded work).</summary>
    internal const int MaxConcurrentDials = 32;

    /// <summary>The most observed addresses of this node kept for its peer record.</summary>
    private const int MaxObservedAddresses = 4;

    private readonly Lock _dialLock = new();
    private readonly Dictionary<NodeId, Task<PeerConnection>> _dials = new();
    private readonly Lock _addressLock = new();
    private readonly Dictionary<NodeId, IPEndPoint[]> _addressBook = new();
    private readonly List<IPEndPoint> _observed = new();
    private IPEndPoint[] _publishedEndPoints = [];
    private int _maintenanceRunning;
    private int _maintenanceRequested;

    /// <inheritdoc/>
    /// <remarks>
    /// When the peer is reached through a relay, this also waits for a punch to a direct path
    /// (bounded by the punch timeout): the one a new relayed dial started, or a new one, so an
    /// explicit connect after a network change upgrades at once instead of at the next retry.
    /// Not for a new dial from behind a symmetric NAT, where a punch rarely succeeds. Other dials
    /// (a channel's first message) use the relayed session as soon as it is ready.
    /// </remarks>
    public async Task ConnectAsync(PeerId peer, CancellationToken cancellationToken = default)
    {
        NodeId id = peer.ToNodeId();
        bool hadSession = GetReadyConnection(id) is not null;
        PeerConnection connection = await GetOrDialAsync(id, cancellationToken).ConfigureAwait(false);

        // Behind a symmetric NAT a punch rarely opens a path (each destination gets a new port,
        // which only a full-cone or address-restricted peer NAT lets in), so a new relayed dial
        // does not hold the caller for it: the punch started with the dial goes on in the
        // background and moves the session if it succeeds.
        bool waitForPunch = hadSession || _nat.Classify(_time.GetTimestamp(), _time).Class != NatClass.Symmetric;
        if (connection.RefreshPath() && waitForPunch)
        {
            await PunchAsync(connection.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The ready connection to <paramref name="peer"/>: the live one, else a dial to the address the
    /// routing table, the address book (LAN beacons, provider records) or the DHT's peer record gives.
    /// Concurrent calls for one peer share one dial.
    /// </summary>
    /// <exception cref="MeshException">The peer could not be reached.</exception>
    internal Task<PeerConnection> GetOrDialAsync(NodeId peer, CancellationToken cancellationToken)
    {
        if (GetReadyConnection(peer) is { } ready)
        {
            return Task.FromResult(ready);
        }

        if (peer == Id)
        {
            throw new MeshException(MeshError.PeerUnreachable, "A node cannot dial itself.");
        }

        Task<PeerConnection> dial;
        lock (_dialLock)
        {
            if (!_dials.TryGetValue(peer, out dial!))
            {
                if (_dials.Count >= MaxConcurrentDials)
                {
                    throw new MeshException(MeshError.PeerUnreachable, $"{MaxConcurrentDials} dials are already under way; try {peer.ToShortString()} again later.");
                }

                dial = DialByIdAsync(peer);
                _dials[peer] = dial;

                // Waiters may all give up (their own cancellation) before the dial ends.
                dial.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        return dial.WaitAsync(cancellationToken);
    }

    /// <summary>Opens a session to <paramref name="endPoint"/> and waits for the peer's HELLO.</summary>
    internal async Task<PeerConnection> DialEndPointAsync(IPEndPoint endPoint, NodeId? expected, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        timeout.CancelAfter(_options.DialTimeout);
        try
        {
            Session session = await _endpoint.ConnectAsync(endPoint, expected, timeout.Token).ConfigureAwait(false);

            // OnSessionEstablished has run (the transport calls it before the connect completes)
            // and registered the session, or refused it as a duplicate of one we already have.
            PeerConnection connection = _connections.TryGetValue(session, out PeerConnection? registered)
                ? registered
                : GetAnyConnection(session.RemoteId)
                    ?? throw new MeshException(MeshError.Closed, $"The session closed during the dial: {session.CloseReason}");
            try
            {
                await connection.Ready.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (connection.Session == session && !cancellationToken.IsCancellationRequested && !_stopping.IsCancellationRequested)
            {
                // Our own dial timeout: the slot is not held for a silent peer. When the caller gave
                // up instead (another candidate's dial won), the session is left to the duplicate
                // rule, which closes it gracefully if it loses: the peer may already be sending on it.
                session.Close("no HELLO", CloseCode.ProtocolViolation);
                throw;
            }

            Interlocked.Increment(ref _counters.DialsSucceeded);
            return GetReadyConnection(connection.Id) ?? connection;
        }
        catch (Exception ex) when (ex is TimeoutException or HandshakeFailedException or OperationCanceledException or MeshException)
        {
            Interlocked.Increment(ref _counters.DialsFailed);
            MeshLog.DialFailed(_logger, expected?.ToShortString() ?? endPoint.ToString(), ex.Message);
            cancellationToken.ThrowIfCancellationRequested();
            throw new MeshException(MeshError.PeerUnreachable, $"Could not connect to {endPoint}: {(ex is OperationCanceledException ? "timed out" : ex.Message)}", ex);
        }
    }

    private async Task<PeerConnection> DialByIdAsync(NodeId peer)
    {
        try
        {
            await Task.Yield();
            var tried = new List<IPEndPoint>();

            // Known addresses are dialled while the DHT gives the peer record: more candidates and
            // the relays. Every direct candidate is dialled at once.
            Task<PeerConnection?> known = TryDialAllAsync(KnownEndPoints(peer), peer, tried);
            PeerLookup lookup = await LookUpForDialAsync(peer).ConfigureAwait(false);
            if (GetReadyConnection(peer) is { } meanwhile)
            {
                return meanwhile;
            }

            Task<PeerConnection?> recorded = TryDialAllAsync(lookup.EndPoints, peer, tried);
            Task<PeerConnection?> direct = FirstFoundAsync(known, recorded);
            var relayErrors = new List<string>();
            List<RelayEndPoint> relays = RelaysToTry(peer, lookup);
            if (relays.Count > 0 && lookup.NatClass != NatClass.Public)
            {
                // A reachable peer answers within a round trip; after a short head start the relay
                // path runs alongside, so a NATed peer costs no dial timeout. When both succeed,
                // the direct session is preferred and the relayed one closed.
                await Task.WhenAny(direct, Task.Delay(RelayHeadStart, _time, _stopping.Token)).ConfigureAwait(false);
                if (direct.IsCompletedSuccessfully && direct.Result is { } quick)
                {
                    return quick;
                }

                Task<PeerConnection?> relayed = DialThroughRelaysAsync(peer, relays, relayErrors);
                if (await FirstFoundAsync(direct, relayed).ConfigureAwait(false) is { } connection)
                {
                    return GetReadyConnection(peer) ?? connection;
                }
            }
            else if (await direct.ConfigureAwait(false) is { } found)
            {
                return found;
            }
            else if (relays.Count > 0 && await DialThroughRelaysAsync(peer, relays, relayErrors).ConfigureAwait(false) is { } relayed)
            {
                // A peer whose record says public did not answer directly: its NAT may have changed.
                return GetReadyConnection(peer) ?? relayed;
            }

            string relayText = relayErrors.Count == 0 ? "" : $" ({string.Join("; ", relayErrors)})";
            throw new MeshException(
                MeshError.PeerUnreachable,
                tried.Count == 0 && relays.Count == 0
                    ? $"No address is known for {peer.ToShortString()}: it has no session, no routing-table entry and no peer record in the DHT."
                    : $"{peer.ToShortString()} did not answer at {(tried.Count == 0 ? "no direct address" : string.Join(", ", tried))}{relayText}.");
        }
        finally
        {
            lock (_dialLock)
            {
                _dials.Remove(peer);
            }
        }
    }

    /// <summary>How long direct candidates are tried alone before the relay path starts too.</summary>
    internal static readonly TimeSpan RelayHeadStart = TimeSpan.FromSeconds(1);

    private async Task<PeerLookup> LookUpForDialAsync(NodeId peer)
    {
        try
        {
            return await LookUpPeerRecordAsync(peer, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MeshException or TimeoutException)
        {
            return new PeerLookup(peer, false, false, [], [], 0);
        }
    }

    /// <summary>The first non-null result of two dials (null when both found nothing).</summary>
    private static async Task<PeerConnection?> FirstFoundAsync(Task<PeerConnection?> first, Task<PeerConnection?> second)
    {
        Task<PeerConnection?> done = await Task.WhenAny(first, second).ConfigureAwait(false);
        if (await done.ConfigureAwait(false) is { } found)
        {
            return found;
        }

        return await (done == first ? second : first).ConfigureAwait(false);
    }

    /// <summary>Reaches <paramref name="peer"/> through one of its relays (a circuit, then an end-to-end session), then punches.</summary>
    private async Task<PeerConnection?> DialThroughRelaysAsync(NodeId peer, IReadOnlyList<RelayEndPoint> relays, List<string> errors)
    {
        foreach (RelayEndPoint relay in relays)
        {
            if (relay.Id == Id || relay.Id == peer || errors.Count >= MaxRelaysTried)
            {
                continue;
            }

            try
            {
                PeerConnection relayConnection = GetReadyConnection(relay.Id) is { IsRelayed: false } live
                    ? live
                    : await DialEndPointAsync(relay.EndPoint, relay.Id, _stopping.Token).ConfigureAwait(false);
                if (GetReadyConnection(peer) is { IsRelayed: false } direct)
                {
                    return direct; // a direct dial won meanwhile
                }

                PeerConnection relayed = await DialViaRelayAsync(relayConnection, peer, _stopping.Token).ConfigureAwait(false);

                // The relayed session is usable now; the punch that may move it to a direct path
                // runs on without holding the dial (the move is invisible to the application).
                Observe(PunchQuietlyAsync(peer), "punch after relayed dial");
                return GetReadyConnection(peer) ?? relayed;
            }
            catch (MeshException ex)
            {
                lock (errors)
                {
                    errors.Add($"relay {relay.Id.ToShortString()}: {ex.Message}");
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The relays to reach <paramref name="peer"/> through: those its peer record names, then
    /// (because a record can lag a node that just reserved one, or name relays it has since lost)
    /// the relay-serving peers this node holds direct sessions with. A relay without a session to
    /// the peer refuses at once, so trying one costs a round trip.
    /// </summary>
    private List<RelayEndPoint> RelaysToTry(NodeId peer, PeerLookup lookup)
    {
        var relays = new List<RelayEndPoint>(lookup.Relays);
        foreach (PeerConnection connection in ReadyPrimaries())
        {
            if (relays.Count >= MaxRelaysTried)
            {
                break;
            }

            if (connection.PeerServesRelay && !connection.IsRelayed && connection.Id != peer && !relays.Exists(r => r.Id == connection.Id))
            {
                relays.Add(new RelayEndPoint(connection.Id, connection.Session.RemoteEndPoint));
            }
        }

        return relays;
    }

    /// <summary>The most relays one dial tries.</summary>
    private const int MaxRelaysTried = 4;

    private async Task PunchQuietlyAsync(NodeId peer)
    {
        try
        {
            await PunchAsync(peer, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MeshException or OperationCanceledException)
        {
            // The relayed session stays; the pair punches again on its backoff.
        }
    }

    /// <summary>
    /// Dials every new endpoint at once (a NATed peer lists several candidates, most unreachable
    /// from here, and trying them one by one would cost a dial timeout each); the first ready
    /// session wins, the duplicate rule closes any second one.
    /// </summary>
    private async Task<PeerConnection?> TryDialAllAsync(IEnumerable<IPEndPoint> endPoints, NodeId peer, List<IPEndPoint> tried)
    {
        var dials = new List<Task<PeerConnection?>>();
        using var won = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        foreach (IPEndPoint endPoint in endPoints)
        {
            if (tried.Contains(endPoint) || RelayAddresses.IsRelayAddress(endPoint.Address) || dials.Count >= MaxCandidates)
            {
                continue;
            }

            tried.Add(endPoint);
            dials.Add(TryDialAsync(endPoint, peer, won.Token));
        }

        while (dials.Count > 0)
        {
            Task<PeerConnection?> done = await Task.WhenAny(dials).ConfigureAwait(false);
            dials.Remove(done);
            if (await done.ConfigureAwait(false) is { } connection)
            {
                await won.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(dials).ConfigureAwait(false);
                return GetReadyConnection(peer) ?? connection;
            }
        }

        return null;
    }

    private async Task<PeerConnection?> TryDialAsync(IPEndPoint endPoint, NodeId peer, CancellationToken cancellationToken)
    {
        try
        {
            return await DialEndPointAsync(endPoint, peer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MeshException or OperationCanceledException)
        {
            return null;
        }
    }

    private List<IPEndPoint> KnownEndPoints(NodeId peer)
    {
        var endPoints = new List<IPEndPoint>();
        foreach (DhtContact contact in _dht.GetClosest(peer, 1))
        {
            if (contact.Id == peer)
            {
                endPoints.Add(contact.EndPoint);
            }
        }

        lock (_addressLock)
        {
            if (_addressBook.TryGetValue(peer, out IPEndPoint[]? known))
            {
                foreach (IPEndPoint endPoint in known)
                {
                    if (!endPoints.Contains(endPoint))
                    {
                        endPoints.Add(endPoint);
                    }
                }
            }
        }

        return endPoints;
    }

    private void RememberEndPoints(NodeId peer, PeerInfo? info)
    {
        if (info is null)
        {
            return;
        }

        var endPoints = new List<IPEndPoint>();
        foreach (WireContact? wire in info.EndPoints)
        {
            if (wire is not null && endPoints.Count < 8 && DhtCodec.TryFromWire(wire with { Id = peer.ToArray() }, out DhtContact contact))
            {
                endPoints.Add(contact.EndPoint);
            }
        }

        if (endPoints.Count > 0)
        {
            RememberEndPoints(peer, [.. endPoints]);
        }
    }

    private void RememberEndPoints(NodeId peer, IPEndPoint[] endPoints)
    {
        lock (_addressLock)
        {
            if (_addressBook.Count >= MaxAddressBookEntries && !_addressBook.ContainsKey(peer))
            {
                // Full: forget an arbitrary entry; the DHT's peer records remain the source of truth.
                foreach (NodeId victim in _addressBook.Keys)
                {
                    _addressBook.Remove(victim);
                    break;
                }
            }

            _addressBook[peer] = endPoints;
        }
    }

    private async Task JoinAsync(CancellationToken cancellationToken)
    {
        if (_options.Bootstrap.Count > 0)
        {
            int contacts = await _dht.BootstrapAsync(_options.Bootstrap, cancellationToken: cancellationToken).ConfigureAwait(false);
            MeshLog.Bootstrapped(_logger, _options.Bootstrap.Count, contacts);
        }

        _dht.Start();
        _router.Start();
        _maintenanceTimer = _time.CreateTimer(static s => ((MeshNode)s!).OnMaintenanceTimer(), this, _options.MaintenanceInterval, _options.MaintenanceInterval);
        await PublishPeerRecordAsync(cancellationToken).ConfigureAwait(false);
    }

    private void OnLanPeerDiscovered(NodeId peer, IPEndPoint endPoint)
    {
        Interlocked.Increment(ref _counters.LanPeersDiscovered);
        MeshLog.LanPeer(_logger, peer.ToShortString(), endPoint);
        RememberEndPoints(peer, [endPoint]);
        int dialsUnderWay;
        lock (_dialLock)
        {
            dialsUnderWay = _dials.Count;
        }

        if (GetReadyConnection(peer) is null && CountReadyPeers() < _options.MaxConnections
            && dialsUnderWay < MaxConcurrentDials / 2 && !_stopping.IsCancellationRequested)
        {
            Observe(DialDiscoveredAsync(peer), "dial LAN peer");
        }
    }

    private async Task DialDiscoveredAsync(NodeId peer)
    {
        try
        {
            await GetOrDialAsync(peer, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MeshException or OperationCanceledException)
        {
            // Counted and logged by the dial; the next beacon tries again.
        }
    }

    private void OnMaintenanceTimer() => RequestMaintenance();

    /// <summary>
    /// Runs maintenance now, or once more right after the round under way, so that an event which
    /// changes the peer record (a relay granted) is published at once, not a maintenance interval later.
    /// </summary>
    private void RequestMaintenance()
    {
        Volatile.Write(ref _maintenanceRequested, 1);
        if (Interlocked.CompareExchange(ref _maintenanceRunning, 1, 0) == 0)
        {
            Observe(MaintainWhileRequestedAsync(), "connection maintenance");
        }
    }

    private async Task MaintainWhileRequestedAsync()
    {
        while (true)
        {
            try
            {
                while (Interlocked.Exchange(ref _maintenanceRequested, 0) == 1 && !_stopping.IsCancellationRequested)
                {
                    await MaintainAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                Volatile.Write(ref _maintenanceRunning, 0);
            }

            // A request that came after the last check but before the flag dropped would be lost.
            if (Volatile.Read(ref _maintenanceRequested) == 0 || Interlocked.CompareExchange(ref _maintenanceRunning, 1, 0) != 0)
            {
                return;
            }
        }
    }

    /// <summary>Keeps the target number of connections, prunes idle ones, refreshes the peer record.</summary>
    internal async Task MaintainAsync()
    {
        try
        {
            CloseSilentSessions();
            PruneIdle();
            int ready = CountReadyPeers();
            if (ready < _options.TargetConnections)
            {
                var dials = new List<Task>();
                foreach (NodeId candidate in DialCandidates(_options.TargetConnections * 2))
                {
                    if (dials.Count >= _options.TargetConnections - ready)
                    {
                        break;
                    }

                    if (GetReadyConnection(candidate) is null)
                    {
                        dials.Add(DialDiscoveredAsync(candidate));
                    }
                }

                await Task.WhenAll(dials).ConfigureAwait(false);
            }

            ReportMovedPeers();
            MaintainReservations();
            MaintainReachability();
            ExpireRelayCircuits();
            MaintainPunches();
            if (!SameEndPoints(AdvertisedEndPoints(), _publishedEndPoints) || NatRecordKey() != _publishedNat)
            {
                await PublishPeerRecordAsync(_stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // shutting down
        }
    }

    private List<PeerConnection> SessionsOf(NodeId peer)
    {
        lock (_peersLock)
        {
            return _peers.TryGetValue(peer, out PeerState? state) ? [.. state.Connections] : [];
        }
    }

    /// <summary>Who to dial when short of the target: the closest routing-table contacts, then peers heard on the LAN.</summary>
    private List<NodeId> DialCandidates(int count)
    {
        var candidates = new List<NodeId>();
        foreach (DhtContact contact in _dht.GetClosest(Id, count))
        {
            candidates.Add(contact.Id);
        }

        lock (_addressLock)
        {
            foreach (NodeId known in _addressBook.Keys)
            {
                if (candidates.Count >= count * 2)
                {
                    break;
                }

                if (!candidates.Contains(known))
                {
                    candidates.Add(known);
                }
            }
        }

        return candidates;
    }

    private void PruneIdle()
    {
        var idle = new List<PeerConnection>();
        long now = _time.GetTimestamp();
        int ready = 0;
        lock (_peersLock)
        {
            foreach (PeerState state in _peers.Values)
            {
                if (state.Primary is not { } c)
                {
                    continue;
                }

                ready++;
                if (!c.Reserved && _time.GetElapsedTime(c.LastActivity, now) >= _options.IdleConnectionTimeout)
                {
                    idle.Add(c);
                }
            }
        }

        idle.Sort(static (a, b) => a.LastActivity.CompareTo(b.LastActivity));
        foreach (PeerConnection connection in idle)
        {
            if (ready <= _options.TargetConnections)
            {
                break;
            }

            Interlocked.Increment(ref _counters.SessionsPruned);
            foreach (PeerConnection session in SessionsOf(connection.Id))
            {
                session.Session.Close("idle", CloseCode.Application);
            }

            ready--;
        }
    }

    private async Task PublishPeerRecordAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<IPEndPoint> endPoints = AdvertisedEndPoints();
        _publishedEndPoints = [.. endPoints];
        _publishedNat = NatRecordKey();
        int stored = await _dht.PublishPeerAsync(OwnPeerInfo(), cancellationToken).ConfigureAwait(false);
        MeshLog.PeerRecordPublished(_logger, endPoints.Count, stored);
    }

    private PeerInfo OwnPeerInfo()
    {
        IReadOnlyList<IPEndPoint> endPoints = AdvertisedEndPoints();
        var wire = new WireContact[endPoints.Count];
        for (int i = 0; i < wire.Length; i++)
        {
            wire[i] = new WireContact { Id = [], Address = endPoints[i].Address.GetAddressBytes(), Port = endPoints[i].Port };
        }

        return WithNat(new PeerInfo { EndPoints = wire });
    }

    /// <summary>
    /// The direct candidates the peer record offers: configured addresses, the reflexive endpoint
    /// peers agree on, the node's own interface addresses at its port, and other observed addresses
    /// (at most <see cref="MaxCandidates"/>).
    /// </summary>
    private IReadOnlyList<IPEndPoint> AdvertisedEndPoints()
    {
        var endPoints = new List<IPEndPoint>(_options.AdvertisedEndPoints);
        void Add(IPEndPoint endPoint)
        {
            if (endPoints.Count < MaxCandidates && !endPoints.Contains(endPoint) && !RelayAddresses.IsRelayAddress(endPoint.Address))
            {
                endPoints.Add(endPoint);
            }
        }

        int port = LocalEndPoint.Port;
        NatSnapshot nat = _nat.Classify(_time.GetTimestamp(), _time);
        if (nat.Reflexive is { } reflexive)
        {
            Add(reflexive);
            if (reflexive.Port != port && nat.Class != NatClass.EndpointIndependent)
            {
                // A guess that costs one candidate: a NAT that maps new flows port-preservingly
                // (Linux masquerade; a router switched from random ports) uses our own port.
                Add(new IPEndPoint(reflexive.Address, port));
            }
        }

        foreach (IPAddress address in _localAddresses)
        {
            Add(new IPEndPoint(address, port));
        }

        lock (_addressLock)
        {
            foreach (IPEndPoint observed in _observed)
            {
                Add(observed);
            }
        }

        return endPoints;
    }

    private void NoteObservedAddress(IPEndPoint observed)
    {
        lock (_addressLock)
        {
            if (_observed.Contains(observed))
            {
                return;
            }

            if (_observed.Count == MaxObservedAddresses)
            {
                _observed.RemoveAt(0);
            }

            _observed.Add(observed);
        }
    }

    private static bool SameEndPoints(IReadOnlyList<IPEndPoint> a, IPEndPoint[] b)
    {
        if (a.Count != b.Length)
        {
            return false;
        }

        for (int i = 0; i < b.Length; i++)
        {
            if (!a[i].Equals(b[i]))
            {
                return false;
            }
        }

        return true;
    }
}
