using MeshHost.MessagePack;
using MeshHost.Mesh.Channels;
using MeshHost.Mesh.Connections;
using MeshHost.Mesh.Protocol;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh;

public sealed partial class MeshNode
{
    private static readonly MessagePackSerializerOptions ControlLimits = new() { MaxInputLength = 64 * 1024, MaxDepth = 8 };
    private static readonly TimeSpan DuplicateSessionGrace = TimeSpan.FromSeconds(5);
    private readonly Lock _peersLock = new();
    private readonly Dictionary<NodeId, PeerState> _peers = new();

    /// <inheritdoc/>
    public event Action<PeerId>? PeerJoined;

    /// <inheritdoc/>
    public event Action<PeerId>? PeerLeft;

    /// <inheritdoc/>
    public IReadOnlyList<ConnectedPeer> Connected
    {
        get
        {
            List<PeerConnection> ready = ReadyPrimaries();

            // Session statistics take the session's lock: never while holding ours.
            var list = new List<ConnectedPeer>(ready.Count);
            foreach (PeerConnection c in ready)
            {
                list.Add(new ConnectedPeer(
                    c.Id.ToPeerId(),
                    c.Session.RemoteEndPoint.ToString(),
                    c.Session.GetStatistics().SmoothedRtt,
                    _time.GetElapsedTime(c.ConnectedAt),
                    c.Session.IsInitiator));
            }

            return list;
        }
    }

    /// <summary>The connection each ready peer's sends go on (a snapshot).</summary>
    private List<PeerConnection> ReadyPrimaries()
    {
        var ready = new List<PeerConnection>();
        lock (_peersLock)
        {
            foreach (PeerState state in _peers.Values)
            {
                if (state.Primary is { } c)
                {
                    ready.Add(c);
                }
            }
        }

        return ready;
    }

    /// <summary>The ready connection sends to <paramref name="peer"/> go on, if any.</summary>
    internal PeerConnection? GetReadyConnection(NodeId peer)
    {
        lock (_peersLock)
        {
            return _peers.TryGetValue(peer, out PeerState? state) ? state.Primary : null;
        }
    }

    /// <summary>
    /// A connection to <paramref name="peer"/> that can carry mesh-level frames (gossip): the ready
    /// one, else any established one, since those frames need no channel table.
    /// </summary>
    internal PeerConnection? GetAnyConnection(NodeId peer)
    {
        lock (_peersLock)
        {
            if (!_peers.TryGetValue(peer, out PeerState? state))
            {
                return null;
            }

            return state.Primary ?? (state.Connections.Count > 0 ? state.Connections[0] : null);
        }
    }

    /// <summary>The most sessions kept with one peer: one each way covers simultaneous dials.</summary>
    internal const int MaxSessionsPerPeer = 2;

    /// <summary>
    /// Orders channel-table announcements: a HELLO's snapshot and the OPENED/CLOSED broadcasts
    /// are taken and queued under it, so no peer sees a CLOSED before the HELLO that listed the channel.
    /// </summary>
    private readonly Lock _controlLock = new();

    internal void SendControl(PeerConnection connection, ControlMessage message)
    {
        if (!connection.EnqueueControl(Encode(message)))
        {
            CloseForViolation(connection, "its control messages are not being read");
        }
    }

    /// <summary>Changes the channel table and announces the change to every session, as one step.</summary>
    internal void ChangeChannelTable(Func<bool> change, Func<ControlMessage> announcement)
    {
        lock (_controlLock)
        {
            if (!change() || _stopping.IsCancellationRequested)
            {
                return; // nothing changed, or nobody is left to tell
            }

            byte[] bytes = Encode(announcement());
            foreach (PeerConnection connection in _connections.Values)
            {
                if (!connection.EnqueueControl(bytes))
                {
                    CloseForViolation(connection, "its control messages are not being read");
                }
            }
        }
    }

    private static byte[] Encode(ControlMessage message)
    {
        using var buffer = new PooledBufferWriter();
        MessagePackSerializer.Serialize(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }

    private void OnSessionEstablished(Session session)
    {
        if (_stopping.IsCancellationRequested)
        {
            session.Close("node shutting down", CloseCode.Normal);
            return;
        }

        var connection = new PeerConnection(session, _time.GetTimestamp());
        if (connection.IsRelayed && !IsExpectedRelayedPeer(session))
        {
            session.Close("not the node the relay announced", CloseCode.ProtocolViolation);
            return;
        }

        bool firstSession = false;
        string? refusal = null;
        lock (_peersLock)
        {
            if (!_peers.TryGetValue(connection.Id, out PeerState? state))
            {
                if (_peers.Count >= _options.MaxConnections + 16)
                {
                    refusal = "too many peers";
                }
                else
                {
                    state = new PeerState();
                    _peers.Add(connection.Id, state);
                    firstSession = true;
                }
            }
            else if (state.Connections.Count(c => c.IsRelayed == connection.IsRelayed) >= (connection.IsRelayed ? 1 : MaxSessionsPerPeer))
            {
                // Up to two direct sessions (simultaneous dials) and one relayed one (kept while a punch upgrades it).
                refusal = "too many sessions with one peer";
            }
            else if (session.IsInitiator && state.Connections.Exists(c => c.Session.IsInitiator && c.IsRelayed == connection.IsRelayed))
            {
                // We dialled twice (a lookup and a dial racing): the peer could not tell the two
                // apart by the tie rule, so the second is closed before either side uses it.
                refusal = "duplicate session";
            }

            if (refusal is null)
            {
                state!.Connections.Add(connection);
                _connections[session] = connection;
            }
        }

        if (refusal is not null)
        {
            session.Close(refusal, CloseCode.Application);
            return;
        }

        // Registered before the snapshot, so a channel opened from here on is announced to it too.
        lock (_controlLock)
        {
            SendControl(connection, new HelloMessage { Version = ProtocolVersion, Agent = AgentName, Channels = _channels.Snapshot() });
        }

        if (firstSession)
        {
            _router.AddPeer(connection.Id);
        }
    }

    /// <summary>Closes sessions whose peer has not sent HELLO within the dial timeout: they would hold a slot for nothing.</summary>
    private void CloseSilentSessions()
    {
        long now = _time.GetTimestamp();
        foreach (PeerConnection connection in _connections.Values)
        {
            if (!connection.IsReady && _time.GetElapsedTime(connection.ConnectedAt, now) > _options.DialTimeout)
            {
                CloseForViolation(connection, "no HELLO");
            }
        }
    }

    private void OnSessionClosed(Session session, CloseReason reason)
    {
        if (!_connections.TryRemove(session, out PeerConnection? connection))
        {
            return;
        }

        connection.Fail(new MeshException(MeshError.Closed, $"The session with {connection.Id.ToShortString()} closed: {reason}"));
        OnNatSessionClosed(connection);
        bool lastSession = false;
        bool wasReady = false;
        lock (_peersLock)
        {
            if (_peers.TryGetValue(connection.Id, out PeerState? state))
            {
                state.Connections.Remove(connection);
                if (state.Primary == connection)
                {
                    state.Primary = null;
                    foreach (PeerConnection other in state.Connections)
                    {
                        if (other.IsReady && (state.Primary is null || Prefer(other, state.Primary)))
                        {
                            state.Primary = other;
                        }
                    }
                }

                if (state.Connections.Count == 0)
                {
                    _peers.Remove(connection.Id);
                    lastSession = true;
                    wasReady = state.WasReady;
                }
            }
        }

        if (!lastSession)
        {
            return;
        }

        _router.RemovePeer(connection.Id);
        foreach (LocalChannel channel in _channels.All())
        {
            channel.OnPeerLeft(connection.Id);
        }

        if (wasReady)
        {
            MeshLog.PeerLeft(_logger, connection.Id.ToShortString(), reason.ToString());
            RaisePeerEvent(PeerLeft, connection.Id);
        }
    }

    private void OnReady(PeerConnection connection)
    {
        bool joined = false;
        PeerConnection? loser = null;
        lock (_peersLock)
        {
            if (!_peers.TryGetValue(connection.Id, out PeerState? state) || !state.Connections.Contains(connection) || !connection.Session.IsOpen)
            {
                return; // closed meanwhile
            }

            if (state.Primary is null)
            {
                state.Primary = connection;
            }
            else if (Prefer(connection, state.Primary))
            {
                loser = state.Primary;
                state.Primary = connection;
            }
            else
            {
                loser = connection;
            }

            joined = !state.WasReady;
            state.WasReady = true;
        }

        Session session = connection.Session;
        if (!connection.IsRelayed)
        {
            // A circuit address is meaningful only in this process: never a contact, never our address.
            _dht.AddAuthenticatedContact(new Dht.DhtContact(connection.Id, session.RemoteEndPoint));
            if (session.IsInitiator && session.ObservedAddress is { } observed)
            {
                NoteObservedAddress(observed);
            }
        }

        OnNatSessionReady(connection);

        if (joined)
        {
            MeshLog.PeerJoined(_logger, connection.Id.ToShortString(), session.RemoteEndPoint, session.IsInitiator ? "outbound" : "inbound");
            RaisePeerEvent(PeerJoined, connection.Id);
        }

        if (loser is not null && loser.Session.IsInitiator)
        {
            // Both sides agree which of two sessions to keep; the initiator of the other closes it
            // once in-flight messages on it have had time to land.
            Observe(CloseDuplicateLaterAsync(loser), "close duplicate session");
        }
    }

    /// <summary>True when <paramref name="candidate"/> should carry sends rather than <paramref name="current"/>.</summary>
    private bool Prefer(PeerConnection candidate, PeerConnection current)
    {
        if (candidate.IsRelayed != current.IsRelayed)
        {
            return !candidate.IsRelayed; // a direct path beats a relayed one (both sides see the same)
        }

        NodeId candidateInitiator = candidate.Session.IsInitiator ? Id : candidate.Id;
        NodeId currentInitiator = current.Session.IsInitiator ? Id : current.Id;
        return candidateInitiator < currentInitiator;
    }

    private async Task CloseDuplicateLaterAsync(PeerConnection loser)
    {
        await Task.Delay(DuplicateSessionGrace, _time, _stopping.Token).ConfigureAwait(false);
        bool stillSecondary;
        lock (_peersLock)
        {
            stillSecondary = _peers.TryGetValue(loser.Id, out PeerState? state) && state.Primary != loser && state.Primary is not null;
        }

        if (stillSecondary)
        {
            loser.Session.Close("duplicate session", CloseCode.Application);
        }
    }

    private void RaisePeerEvent(Action<PeerId>? handlers, NodeId peer)
    {
        if (handlers is null)
        {
            return;
        }

        PeerId id = peer.ToPeerId();
        foreach (Action<PeerId> handler in handlers.GetInvocationList().Cast<Action<PeerId>>())
        {
            try
            {
                handler(id);
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _counters.HandlerFaults);
                MeshLog.HandlerFaulted(_logger, "peer directory event", peer.ToShortString(), ex);
            }
        }
    }

    private void OnMessage(Session session, byte channel, ReadOnlySpan<byte> message)
    {
        if (!_connections.TryGetValue(session, out PeerConnection? connection))
        {
            return;
        }

        switch (channel)
        {
            case MeshChannels.Control:
                HandleControl(connection, message);
                return;
            case MeshChannels.Dht:
                HandleDht(connection, message);
                return;
            case MeshChannels.PubSub:
                connection.Touch(_time.GetTimestamp());
                _router.HandleFrame(connection.Id, message);
                return;
            case MeshChannels.Nat:
                HandleNat(connection, message);
                return;
        }

        LocalChannel? target = _channels.Get(channel);
        if (target is null)
        {
            Interlocked.Increment(ref _counters.DroppedUnknownChannel);
            MeshLog.UnknownChannel(_logger, channel, connection.Id.ToShortString());
            return;
        }

        if (message.Length > MeshLimits.MaxChannelMessageBytes)
        {
            Interlocked.Increment(ref _counters.DroppedTooLarge);
            return;
        }

        connection.Touch(_time.GetTimestamp());
        target.Deliver(connection, message);
    }

    private void HandleControl(PeerConnection connection, ReadOnlySpan<byte> message)
    {
        ControlMessage? control;
        try
        {
            control = MessagePackSerializer.Deserialize<ControlMessage>(message, ControlLimits);
        }
        catch (MessagePackSerializationException)
        {
            control = null;
        }

        if (control is not null && !IsWellFormed(control))
        {
            control = null; // nil where a value must be: as malformed as bad bytes
        }

        switch (control)
        {
            case HelloMessage hello when hello.Version != ProtocolVersion:
                CloseForViolation(connection, $"mesh protocol version {hello.Version} is not supported (this node speaks {ProtocolVersion})");
                return;
            case HelloMessage hello:
                if (!connection.ApplyHello(hello))
                {
                    CloseForViolation(connection, "a second HELLO");
                    return;
                }

                OnReady(connection);
                return;
            case ChannelsOpenedMessage opened:
                connection.AddChannels(opened.Channels);
                return;
            case ChannelsClosedMessage closed:
                connection.RemoveChannels(closed.Ids);
                return;
            default:
                Interlocked.Increment(ref _counters.DroppedMalformed);
                CloseForViolation(connection, "a malformed control message");
                return;
        }
    }

    private static bool IsWellFormed(ControlMessage control) => control switch
    {
        HelloMessage hello => hello.Agent is not null && WellFormed(hello.Channels),
        ChannelsOpenedMessage opened => WellFormed(opened.Channels),
        ChannelsClosedMessage closed => closed.Ids is not null,
        _ => false,
    };

    private static bool WellFormed(ChannelEntry[]? entries)
    {
        if (entries is null)
        {
            return false;
        }

        foreach (ChannelEntry? entry in entries)
        {
            if (entry?.Name is null)
            {
                return false;
            }
        }

        return true;
    }

    private void CloseForViolation(PeerConnection connection, string reason)
    {
        MeshLog.ClosingSession(_logger, connection.Id.ToShortString(), reason);
        connection.Session.Close(reason, CloseCode.ProtocolViolation);
    }

    /// <summary>Forwards transport events to the node without making them part of its public surface.</summary>
    private sealed class TransportEvents(MeshNode node) : ITransportHandler
    {
        public void OnSessionEstablished(Session session) => node.OnSessionEstablished(session);

        public void OnMessage(Session session, byte channel, DeliveryMethod method, ReadOnlySpan<byte> message) => node.OnMessage(session, channel, message);

        public void OnSessionClosed(Session session, CloseReason reason) => node.OnSessionClosed(session, reason);

        public void OnUnconnectedDatagram(ReadOnlySpan<byte> payload, System.Net.IPEndPoint source)
        {
            if (node._lan?.TryHandle(payload, source) != true)
            {
                _ = node.TryHandleProbe(payload, source) || node.TryHandleDialBack(payload, source);
            }
        }
    }
}
