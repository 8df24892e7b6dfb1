using System.Net;
using MeshHost.Mesh.Connections;
using MeshHost.Mesh.Nat;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh;

// Relays: the relay's side (circuits between two of its sessions, with limits) and the end
// nodes' side (circuits the transport runs end-to-end encrypted sessions through).
public sealed partial class MeshNode
{
    /// <summary>The most circuits one node has open as an end (either side) at once.</summary>
    internal const int MaxClientCircuits = 64;

    private static readonly TimeSpan CircuitOpenTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A circuit that carries no session this long after it opened is closed (a peer that opened it and never shook hands holds nothing).</summary>
    private static readonly TimeSpan UnusedCircuitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The most circuits one peer may have a relay open for it at once, so one peer cannot take them all.</summary>
    internal const int MaxCircuitsPerPeer = 4;

    /// <summary>The most circuits a relay opens to one target at once, so nobody can aim all of them at one node.</summary>
    internal const int MaxCircuitsPerTarget = 8;

    /// <summary>
    /// A relayed circuit that forwarded nothing this long is closed. A live relayed session sends
    /// at least a keepalive every 15 s, so only abandoned circuits (a dial that never shook hands,
    /// an end that went away) reach it.
    /// </summary>
    internal static readonly TimeSpan RelayIdleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The most circuits one relay may open to this node at once, so one peer cannot fill the table.</summary>
    internal const int MaxInboundCircuitsPerRelay = 8;

    private readonly Lock _circuitLock = new();
    private readonly Dictionary<(PeerConnection, uint), RelayCircuit> _relayed = [];
    private readonly Dictionary<(PeerConnection, uint), ClientCircuit> _clientCircuits = [];
    private readonly Dictionary<IPEndPoint, ClientCircuit> _circuitsByAddress = [];
    private uint _nextCircuitId;
    private ByteBudget _relayBudget = null!;
    private NatCounterSet _natCounters;

    private int ActiveCircuitCount()
    {
        lock (_circuitLock)
        {
            return _relayed.Count / 2;
        }
    }

    private NatCounters NatCountersSnapshot() => new()
    {
        CircuitsRelayed = Interlocked.Read(ref _natCounters.CircuitsRelayed),
        CircuitsRefused = Interlocked.Read(ref _natCounters.CircuitsRefused),
        RelayedBytes = Interlocked.Read(ref _natCounters.RelayedBytes),
        RelayDroppedRateLimited = Interlocked.Read(ref _natCounters.RelayDroppedRateLimited),
        DroppedMalformed = Interlocked.Read(ref _natMalformed),
        PunchesStarted = Interlocked.Read(ref _natCounters.PunchesStarted),
        PunchesSucceeded = Interlocked.Read(ref _natCounters.PunchesSucceeded),
        RelayedSessions = Interlocked.Read(ref _natCounters.RelayedSessions),
        DialBacksServed = Interlocked.Read(ref _natCounters.DialBacksServed),
        DialBacksRefused = Interlocked.Read(ref _natCounters.DialBacksRefused),
        DialBacksReceived = Interlocked.Read(ref _natCounters.DialBacksReceived),
    };

    /// <summary>The top bit of a circuit id says which end of the leg picked it.</summary>
    private const uint CircuitIdPickerBit = 0x8000_0000;

    // Circuit ids live in one space per leg (session). Both ends of a leg pick ids (a relay for the
    // B legs it opens, an end node for the circuits it asks for), so the two halves of the space are
    // split by the top bit: the end with the smaller NodeId picks ids with it clear, the other with it
    // set. Ids picked by different nodes can then never collide, whichever role each plays.
    private uint NextCircuitId(PeerConnection leg) =>
        (Interlocked.Increment(ref _nextCircuitId) & ~CircuitIdPickerBit) | PickerBit(Id, leg.Id);

    private static uint PickerBit(NodeId picker, NodeId other) => picker < other ? 0 : CircuitIdPickerBit;

    /// <summary>Whether <paramref name="id"/> is in the half of <paramref name="leg"/>'s id space its peer picks from.</summary>
    private bool IsPeerPicked(PeerConnection leg, uint id) => (id & CircuitIdPickerBit) == PickerBit(leg.Id, Id);

    /// <summary>Whether the id is taken on the leg, by a circuit this node relays or is an end of. Call under the lock.</summary>
    private bool IsCircuitIdTakenLocked(PeerConnection leg, uint id) =>
        _relayed.ContainsKey((leg, id)) || _clientCircuits.ContainsKey((leg, id));

    private ClientCircuit? FindClientCircuit(IPEndPoint address)
    {
        lock (_circuitLock)
        {
            return _circuitsByAddress.GetValueOrDefault(address);
        }
    }

    // ---- relay side ----

    private void OnCircuitConnect(PeerConnection from, uint id, NodeId target)
    {
        if (!IsPeerPicked(from, id))
        {
            // The requester picked an id from our half of the leg's space: a broken or hostile peer.
            Interlocked.Increment(ref _natMalformed);
            return;
        }

        string? refusal = null;
        PeerConnection? to = target == from.Id ? null : GetReadyConnection(target);
        if (!Volatile.Read(ref _relayServing))
        {
            refusal = "this node does not relay";
        }
        else if (to is null || to.IsRelayed)
        {
            refusal = $"this relay has no direct session with {target.ToShortString()}";
        }

        RelayCircuit? circuit = null;
        lock (_circuitLock)
        {
            if (refusal is null && IsCircuitIdTakenLocked(from, id))
            {
                refusal = "circuit id in use";
            }
            else if (refusal is null && _relayed.Count / 2 >= _relayOptions.MaxCircuits)
            {
                refusal = "relay circuit limit reached";
            }
            else if (refusal is null && _relayed.Values.Count(c => c.A == from) >= 2 * MaxCircuitsPerPeer)
            {
                refusal = $"at most {MaxCircuitsPerPeer} circuits per peer";
            }
            else if (refusal is null && _relayed.Values.Count(c => c.B == to) >= 2 * MaxCircuitsPerTarget)
            {
                refusal = $"at most {MaxCircuitsPerTarget} circuits to one target";
            }

            if (refusal is null)
            {
                uint otherId = NextCircuitId(to!);
                circuit = new RelayCircuit(from, id, to!, otherId, _time.GetTimestamp(), _relayOptions.MaxBytesPerSecondPerCircuit);
                _relayed[(from, id)] = circuit;
                _relayed[(to!, otherId)] = circuit;
            }
        }

        if (circuit is null)
        {
            Interlocked.Increment(ref _natCounters.CircuitsRefused);
            MeshLog.CircuitRefused(_logger, from.Id.ToShortString(), target.ToShortString(), refusal!);
            SendNat(from, NatCodec.Refused(id, refusal!));
            return;
        }

        Interlocked.Increment(ref _natCounters.CircuitsRelayed);
        MeshLog.CircuitOpened(_logger, from.Id.ToShortString(), target.ToShortString());
        SendNat(circuit.B, NatCodec.CircuitWithNode(NatMessageType.CircuitOpen, circuit.BId, from.Id));
        SendNat(from, NatCodec.Circuit(NatMessageType.CircuitConnected, id));
    }

    private void ForwardCircuitData(RelayCircuit circuit, PeerConnection from, ReadOnlySpan<byte> payload)
    {
        bool fromA = circuit.A == from;
        long now = _time.GetTimestamp();
        if (!circuit.TryTake(fromA, payload.Length, now, _time) || !_relayBudget.TryTake(payload.Length, now, _time))
        {
            Interlocked.Increment(ref _natCounters.RelayDroppedRateLimited);
            return;
        }

        PeerConnection to = fromA ? circuit.B : circuit.A;
        uint toId = fromA ? circuit.BId : circuit.AId;
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(NatCodec.DataHeaderSize + payload.Length);
        try
        {
            NatCodec.WriteDataHeader(buffer, toId);
            payload.CopyTo(buffer.AsSpan(NatCodec.DataHeaderSize));
            if (to.Session.TrySend(Protocol.MeshChannels.Nat, DeliveryMethod.Unreliable, buffer.AsSpan(0, NatCodec.DataHeaderSize + payload.Length)) == SendResult.Queued)
            {
                Interlocked.Add(ref _natCounters.RelayedBytes, payload.Length);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool RemoveRelayCircuit(RelayCircuit circuit)
    {
        lock (_circuitLock)
        {
            bool removed = _relayed.Remove((circuit.A, circuit.AId));
            removed |= _relayed.Remove((circuit.B, circuit.BId));
            return removed;
        }
    }

    private void CloseRelayCircuit(RelayCircuit circuit, PeerConnection? closedBy)
    {
        if (!RemoveRelayCircuit(circuit))
        {
            return;
        }

        if (closedBy != circuit.A)
        {
            SendNat(circuit.A, NatCodec.Circuit(NatMessageType.CircuitClose, circuit.AId));
        }

        if (closedBy != circuit.B)
        {
            SendNat(circuit.B, NatCodec.Circuit(NatMessageType.CircuitClose, circuit.BId));
        }
    }

    /// <summary>Maintenance: an end's circuits that never carried a session are closed.</summary>
    private void ExpireUnusedClientCircuits()
    {
        var unused = new List<ClientCircuit>();
        long now = _time.GetTimestamp();
        lock (_circuitLock)
        {
            foreach (ClientCircuit circuit in _clientCircuits.Values)
            {
                if (circuit.Address is not null && _time.GetElapsedTime(circuit.CreatedAt, now) >= UnusedCircuitTimeout)
                {
                    unused.Add(circuit);
                }
            }
        }

        foreach (ClientCircuit circuit in unused)
        {
            bool used = false;
            foreach (PeerConnection connection in _connections.Values)
            {
                used |= connection.Session.RemoteEndPoint.Equals(circuit.Address) || connection.Id == circuit.Peer;
            }

            if (!used && RemoveClientCircuit(circuit))
            {
                SendNat(circuit.Relay, NatCodec.Circuit(NatMessageType.CircuitClose, circuit.Id));
            }
        }
    }

    /// <summary>Maintenance: circuits past their lifetime are closed on both legs.</summary>
    private void ExpireRelayCircuits()
    {
        ExpireUnusedClientCircuits();
        var expired = new List<RelayCircuit>();
        long now = _time.GetTimestamp();
        lock (_circuitLock)
        {
            foreach (RelayCircuit circuit in _relayed.Values)
            {
                bool tooOld = _time.GetElapsedTime(circuit.OpenedAt, now) >= _relayOptions.MaxCircuitDuration;
                bool idle = _time.GetElapsedTime(circuit.LastData, now) >= RelayIdleTimeout;
                if ((tooOld || idle) && !expired.Contains(circuit))
                {
                    expired.Add(circuit);
                }
            }
        }

        foreach (RelayCircuit circuit in expired)
        {
            CloseRelayCircuit(circuit, null);
        }
    }

    // ---- end-node side ----

    private void OnCircuitOpen(PeerConnection relay, uint id, NodeId source)
    {
        if (source == Id || relay.Id == source || !IsPeerPicked(relay, id))
        {
            Interlocked.Increment(ref _natMalformed);
            return;
        }

        // Only a peer that relays (it announced serving, or we reserved it) may open circuits to us,
        // and only a few each: otherwise any peer could fill the table or pose as a relay.
        if (!relay.PeerServesRelay && !IsMyRelay(relay.Id))
        {
            Interlocked.Increment(ref _natMalformed);
            SendNat(relay, NatCodec.Circuit(NatMessageType.CircuitClose, id));
            return;
        }

        var circuit = new ClientCircuit(relay, id, source, _time.GetTimestamp());
        lock (_circuitLock)
        {
            if (_clientCircuits.Count >= MaxClientCircuits || IsCircuitIdTakenLocked(relay, id)
                || InboundCircuitCountLocked(relay) >= MaxInboundCircuitsPerRelay)
            {
                circuit = null;
            }
            else
            {
                circuit.Address = _relaySocket.Register(circuit);
                _clientCircuits[(relay, id)] = circuit;
                _circuitsByAddress[circuit.Address] = circuit;
            }
        }

        if (circuit is null)
        {
            SendNat(relay, NatCodec.Circuit(NatMessageType.CircuitClose, id));
            return;
        }

        circuit.SetConnected();
        MeshLog.CircuitAccepted(_logger, source.ToShortString(), relay.Id.ToShortString());
    }

    /// <summary>Circuits <paramref name="relay"/> (any relay when null) opened to this node. Call under the lock.</summary>
    private int InboundCircuitCountLocked(PeerConnection? relay)
    {
        int count = 0;
        foreach ((PeerConnection leg, uint id) in _clientCircuits.Keys)
        {
            count += (relay is null || leg == relay) && IsPeerPicked(leg, id) ? 1 : 0;
        }

        return count;
    }

    /// <summary>Inbound circuits open at this end node (test hook).</summary>
    internal int InboundCircuitCount()
    {
        lock (_circuitLock)
        {
            return InboundCircuitCountLocked(null);
        }
    }

    private void OnCircuitAnswer(PeerConnection relay, uint id, bool connected, string? reason)
    {
        ClientCircuit? circuit;
        lock (_circuitLock)
        {
            _clientCircuits.TryGetValue((relay, id), out circuit);
        }

        if (circuit is null)
        {
            return;
        }

        if (connected)
        {
            circuit.SetConnected();
        }
        else
        {
            RemoveClientCircuit(circuit);
            circuit.Fail($"The relay {relay.Id.ToShortString()} refused: {reason}");
        }
    }

    /// <summary>The circuit with id <paramref name="id"/> on the session with <paramref name="from"/>: one this node relays, or one it is an end of.</summary>
    private (RelayCircuit? Relayed, ClientCircuit? Client) FindCircuit(PeerConnection from, uint id)
    {
        lock (_circuitLock)
        {
            return (_relayed.GetValueOrDefault((from, id)), _clientCircuits.GetValueOrDefault((from, id)));
        }
    }

    private void OnCircuitClose(PeerConnection from, uint id)
    {
        (RelayCircuit? relayed, ClientCircuit? client) = FindCircuit(from, id);
        if (relayed is not null)
        {
            CloseRelayCircuit(relayed, from);
        }

        if (client is not null)
        {
            EndClientCircuit(client, "the relay closed the circuit");
        }
    }

    private void OnCircuitData(PeerConnection from, uint id, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > ClientCircuit.MaxDatagram)
        {
            Interlocked.Increment(ref _natMalformed); // no end node sends more; the queues must not hold channel-sized frames
            return;
        }

        (RelayCircuit? relayed, ClientCircuit? client) = FindCircuit(from, id);
        if (relayed is not null || client is not null)
        {
            // A leg carrying a circuit is in use, whatever else it carries: never pruned as idle.
            from.Touch(_time.GetTimestamp());
        }

        if (relayed is not null)
        {
            ForwardCircuitData(relayed, from, payload);
        }
        else if (client is not null)
        {
            _relaySocket.Deliver(client.Address, payload);
        }
        // Otherwise: a circuit already closed; its stragglers are dropped.
    }

    private bool RemoveClientCircuit(ClientCircuit circuit)
    {
        lock (_circuitLock)
        {
            if (!_clientCircuits.Remove((circuit.Relay, circuit.Id)))
            {
                return false;
            }

            if (circuit.Address is not null)
            {
                _circuitsByAddress.Remove(circuit.Address);
                _relaySocket.Unregister(circuit.Address);
            }

            return true;
        }
    }

    /// <summary>Ends an end node's circuit and the session that ran through it.</summary>
    private void EndClientCircuit(ClientCircuit circuit, string reason)
    {
        if (!RemoveClientCircuit(circuit))
        {
            return;
        }

        circuit.Fail(reason);
        foreach (PeerConnection connection in _connections.Values)
        {
            if (connection.IsRelayed && connection.Session.RemoteEndPoint.Equals(circuit.Address))
            {
                connection.Session.Close(reason, CloseCode.Application);
            }
        }
    }

    /// <summary>A session closed: circuits it was a leg of (as relay) or carried (as end) go too.</summary>
    private void OnRelaySessionClosed(PeerConnection connection)
    {
        var relayed = new List<RelayCircuit>();
        var clients = new List<ClientCircuit>();
        ClientCircuit? through = null;
        lock (_circuitLock)
        {
            foreach (((PeerConnection leg, uint _), RelayCircuit circuit) in _relayed)
            {
                if (leg == connection && !relayed.Contains(circuit))
                {
                    relayed.Add(circuit);
                }
            }

            foreach (((PeerConnection relay, uint _), ClientCircuit circuit) in _clientCircuits)
            {
                if (relay == connection)
                {
                    clients.Add(circuit);
                }
            }

            if (connection.IsRelayed)
            {
                _circuitsByAddress.TryGetValue(connection.Session.RemoteEndPoint, out through);
            }
        }

        foreach (RelayCircuit circuit in relayed)
        {
            CloseRelayCircuit(circuit, connection);
        }

        foreach (ClientCircuit circuit in clients)
        {
            EndClientCircuit(circuit, "the session with the relay closed");
        }

        if (through is not null && RemoveClientCircuit(through))
        {
            // The relayed session ended: free the circuit at the relay too.
            SendNat(through.Relay, NatCodec.Circuit(NatMessageType.CircuitClose, through.Id));
        }
    }

    /// <summary>A relayed session must come from the node the relay announced; anything else is closed.</summary>
    private bool IsExpectedRelayedPeer(Session session)
    {
        ClientCircuit? circuit = FindClientCircuit(session.RemoteEndPoint);
        return circuit is not null && circuit.Peer == session.RemoteId;
    }

    /// <summary>Opens a circuit to <paramref name="peer"/> through <paramref name="relay"/> and runs a session through it.</summary>
    private async Task<PeerConnection> DialViaRelayAsync(PeerConnection relay, NodeId peer, CancellationToken cancellationToken)
    {
        ClientCircuit circuit;
        lock (_circuitLock)
        {
            if (_clientCircuits.Count >= MaxClientCircuits)
            {
                throw new MeshException(MeshError.PeerUnreachable, $"{MaxClientCircuits} relay circuits are already open.");
            }

            uint id = NextCircuitId(relay);
            circuit = new ClientCircuit(relay, id, peer, _time.GetTimestamp());
            circuit.Address = _relaySocket.Register(circuit);
            _clientCircuits[(relay, id)] = circuit;
            _circuitsByAddress[circuit.Address] = circuit;
        }

        try
        {
            SendNat(relay, NatCodec.CircuitWithNode(NatMessageType.CircuitConnect, circuit.Id, peer));
            await circuit.Connected.WaitAsync(CircuitOpenTimeout, _time, cancellationToken).ConfigureAwait(false);
            PeerConnection connection = await DialEndPointAsync(circuit.Address, peer, cancellationToken).ConfigureAwait(false);
            MeshLog.RelayedSession(_logger, peer.ToShortString(), relay.Id.ToShortString());
            return connection;
        }
        catch (Exception ex) when (ex is TimeoutException or MeshException or OperationCanceledException)
        {
            if (RemoveClientCircuit(circuit))
            {
                SendNat(relay, NatCodec.Circuit(NatMessageType.CircuitClose, circuit.Id));
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw ex as MeshException ?? new MeshException(MeshError.PeerUnreachable, $"No circuit through {relay.Id.ToShortString()}: {ex.Message}", ex);
        }
    }

    /// <summary>Counters of the NAT machinery, updated with Interlocked.</summary>
    private struct NatCounterSet
    {
        public long CircuitsRelayed;
        public long CircuitsRefused;
        public long RelayedBytes;
        public long RelayDroppedRateLimited;
        public long PunchesStarted;
        public long PunchesSucceeded;
        public long RelayedSessions;
        public long DialBacksServed;
        public long DialBacksRefused;
        public long DialBacksReceived;
    }
}
