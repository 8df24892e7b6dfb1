using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using MeshHost.Dht.Records;
using MeshHost.Mesh.Connections;
using MeshHost.Mesh.Nat;
using MeshHost.Mesh.Protocol;
using MeshHost.Transport;

namespace MeshHost.Mesh;

// NAT traversal, common part: reflexive reports and classification, candidates, relay status and
// reservations, and the NAT channel's dispatch (docs/nat.md).
public sealed partial class MeshNode
{
    /// <summary>The most direct candidates offered (peer record, punch offers).</summary>
    internal const int MaxCandidates = 8;

    /// <summary>Reports older than this no longer vote, so a reconfigured NAT is re-classified.</summary>
    private static readonly TimeSpan ReportMaxAge = TimeSpan.FromMinutes(30);

    private readonly NatObserver _nat = new(ReportMaxAge);
    private readonly Lock _natLock = new();
    private readonly List<RelayEndPoint> _myRelays = [];
    private readonly Dictionary<NodeId, long> _reservationsPending = [];
    private readonly Dictionary<NodeId, long> _relaysRefused = [];
    private readonly HashSet<NodeId> _reservedBy = [];
    private RelaySocket _relaySocket = null!;
    private RelayOptions _relayOptions = null!;
    private IReadOnlyList<IPAddress> _localAddresses = [];
    private bool _relayServing;
    private string _publishedNat = "";
    private long _natMalformed;

    /// <summary>The connectivity snapshot for status.</summary>
    public NatInfo GetNatInfo()
    {
        NatSnapshot snapshot = _nat.Classify(_time.GetTimestamp(), _time);
        RelayEndPoint[] relays;
        lock (_natLock)
        {
            relays = [.. _myRelays];
        }

        return new NatInfo
        {
            Class = snapshot.Class,
            ReflexiveEndPoint = snapshot.Reflexive,
            PubliclyReachable = IsPubliclyReachable(snapshot.Class),
            Candidates = AdvertisedEndPoints(),
            Relays = relays,
            RelayServing = Volatile.Read(ref _relayServing),
            ActiveCircuits = ActiveCircuitCount(),
            Counters = NatCountersSnapshot(),
        };
    }

    /// <summary>The connected peers with their paths (direct, or relayed and through which relay).</summary>
    public IReadOnlyList<PeerPath> GetPeerPaths()
    {
        List<PeerConnection> ready = ReadyPrimaries();
        var list = new List<PeerPath>(ready.Count);
        foreach (PeerConnection c in ready)
        {
            c.RefreshPath();
            IPEndPoint endPoint = c.Session.RemoteEndPoint;
            NodeId? relay = null;
            if (c.IsRelayed && FindClientCircuit(endPoint) is { } circuit)
            {
                relay = circuit.RelayId;
                endPoint = circuit.RelayEndPoint;
            }

            list.Add(new PeerPath(c.Id, endPoint, c.Session.GetStatistics().SmoothedRtt, _time.GetElapsedTime(c.ConnectedAt), c.Session.IsInitiator, c.IsRelayed, relay));
        }

        return list;
    }

    /// <summary>Sets up what the NAT machinery needs before the socket receives anything.</summary>
    private void OpenNat()
    {
        _relayOptions = _options.Relay ?? new RelayOptions();
        _relayOptions.Validate();
        _relayBudget = new ByteBudget(_relayOptions.MaxBytesPerSecond);
        _localAddresses = GatherLocalAddresses();
        _nat.SetLocal(_localAddresses, LocalEndPoint.Port);
        Volatile.Write(ref _relayServing, _relayOptions.Serve == RelayServeMode.On);
    }

    /// <summary>
    /// The node's own addresses: the configured list, else the bound address when specific, else
    /// the machine's interface addresses (loopback only when bound to loopback; IPv6 only on a
    /// dual-stack or IPv6 socket; no link-local, whose scope a peer cannot use).
    /// </summary>
    private List<IPAddress> GatherLocalAddresses()
    {
        if (_options.LocalAddresses is { } configured)
        {
            return [.. configured.Take(MaxCandidates)];
        }

        IPAddress bound = LocalEndPoint.Address;
        if (!bound.Equals(IPAddress.Any) && !bound.Equals(IPAddress.IPv6Any))
        {
            return [bound];
        }

        var result = new List<IPAddress>();
        try
        {
            foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
                {
                    continue;
                }

                foreach (UnicastIPAddressInformation unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    IPAddress address = unicast.Address;
                    bool usable = address.AddressFamily == AddressFamily.InterNetwork
                        || (address.AddressFamily == AddressFamily.InterNetworkV6 && bound.Equals(IPAddress.IPv6Any)
                            && !address.IsIPv6LinkLocal && !address.IsIPv6SiteLocal);
                    if (usable && !IPAddress.IsLoopback(address) && result.Count < MaxCandidates && !result.Contains(address))
                    {
                        result.Add(address);
                    }
                }
            }
        }
        catch (NetworkInformationException ex)
        {
            MeshLog.NatInterfacesUnavailable(_logger, ex.Message);
        }

        return result;
    }

    private static bool? PubliclyReachable(NatClass value) => value switch
    {
        NatClass.Public => true,
        NatClass.Unknown => null,
        _ => false,
    };

    /// <summary>A session became ready: tell the peer where we see it and whether we relay; learn from its handshake report.</summary>
    private void OnNatSessionReady(PeerConnection connection)
    {
        Session session = connection.Session;
        if (connection.IsRelayed)
        {
            Interlocked.Increment(ref _natCounters.RelayedSessions);
            return; // a circuit address says nothing about anyone's NAT
        }

        IPEndPoint remote = session.RemoteEndPoint;
        connection.ReportedEndPoint = remote;
        SendNat(connection, NatCodec.Observed(remote));
        SendNat(connection, NatCodec.Flag(NatMessageType.RelayStatus, Volatile.Read(ref _relayServing)));
        if (session.IsInitiator && session.ObservedAddress is { } observed)
        {
            NoteReport(connection, observed);
        }
    }

    private void NoteReport(PeerConnection reporter, IPEndPoint observed)
    {
        if (RelayAddresses.IsRelayAddress(observed.Address))
        {
            return;
        }

        if (_nat.Report(reporter.Id, reporter.Session.RemoteEndPoint.Address, observed, _time.GetTimestamp(), _time))
        {
            NatSnapshot now = _nat.Classify(_time.GetTimestamp(), _time);
            MeshLog.NatClassified(_logger, now.Class.ToName(), now.Reflexive?.ToString() ?? "none");
            UpdateRelayServing(now.Class);
            PunchSoonAfterNatChange();
            CheckReachabilitySoon();
            RequestMaintenance(); // the peer record carries the class and the reflexive endpoint
        }
    }

    private void UpdateRelayServing(NatClass value)
    {
        bool serving = _relayOptions.Serve switch
        {
            RelayServeMode.On => true,
            RelayServeMode.Off => false,
            _ => ActsPublic(value),
        };

        if (Interlocked.Exchange(ref _relayServing, serving) == serving)
        {
            return;
        }

        MeshLog.RelayServing(_logger, serving);
        byte[] message = NatCodec.Flag(NatMessageType.RelayStatus, serving);
        foreach (PeerConnection connection in _connections.Values)
        {
            if (connection.IsReady && !connection.IsRelayed)
            {
                SendNat(connection, message);
            }
        }
    }

    /// <summary>Stops using a relay (it stopped serving): it leaves the peer record.</summary>
    private bool DropRelay(NodeId relay)
    {
        lock (_natLock)
        {
            return _myRelays.RemoveAll(r => r.Id == relay) > 0;
        }
    }

    private bool IsMyRelay(NodeId relay)
    {
        lock (_natLock)
        {
            return _myRelays.Exists(r => r.Id == relay);
        }
    }

    private static void SendNat(PeerConnection connection, byte[] message) =>
        connection.Session.TrySend(MeshChannels.Nat, DeliveryMethod.ReliableOrdered, message);

    /// <summary>A message on the NAT channel.</summary>
    private void HandleNat(PeerConnection connection, ReadOnlySpan<byte> data)
    {
        if (!NatCodec.TryRead(data, out NatMessage message))
        {
            Interlocked.Increment(ref _natMalformed);
            return;
        }

        switch (message.Type)
        {
            case NatMessageType.Observed when !connection.IsRelayed:
                NoteReport(connection, message.EndPoint!);
                break;
            case NatMessageType.RelayStatus when !connection.IsRelayed:
                bool newRelay = message.Flag && !connection.PeerServesRelay;
                connection.PeerServesRelay = message.Flag;
                if (newRelay)
                {
                    lock (_natLock)
                    {
                        _relaysRefused.Remove(connection.Id); // it serves (again): its earlier refusal is stale
                    }

                    RequestMaintenance(); // reserve it now: until the peer record names a relay, nobody can reach us behind a NAT
                }
                else if (!message.Flag && DropRelay(connection.Id))
                {
                    RequestMaintenance(); // reserve another and republish without it
                }

                break;
            case NatMessageType.Reserve when !connection.IsRelayed:
                OnReserve(connection);
                break;
            case NatMessageType.DialBackRequest when !connection.IsRelayed:
                OnDialBackRequest(connection, message.Nonce);
                break;
            case NatMessageType.DialBackRefused when !connection.IsRelayed:
                OnDialBackRefused(connection, message.Nonce);
                break;
            case NatMessageType.ReserveResult when !connection.IsRelayed:
                OnReserveResult(connection, message.Flag);
                break;
            case NatMessageType.CircuitConnect when !connection.IsRelayed:
                OnCircuitConnect(connection, message.Circuit, message.Node);
                break;
            case NatMessageType.CircuitOpen when !connection.IsRelayed:
                OnCircuitOpen(connection, message.Circuit, message.Node);
                break;
            case NatMessageType.CircuitConnected or NatMessageType.CircuitRefused when !connection.IsRelayed:
                OnCircuitAnswer(connection, message.Circuit, message.Type == NatMessageType.CircuitConnected, message.Text);
                break;
            case NatMessageType.CircuitClose when !connection.IsRelayed:
                OnCircuitClose(connection, message.Circuit);
                break;
            case NatMessageType.CircuitData when !connection.IsRelayed:
                OnCircuitData(connection, message.Circuit, message.Payload);
                break;
            case NatMessageType.PunchOffer or NatMessageType.PunchAnswer:
                OnPunchMessage(connection, message.Type == NatMessageType.PunchOffer, message.Nonce, message.EndPoints!);
                break;
            default:
                Interlocked.Increment(ref _natMalformed); // a relay frame inside a relayed session, or an unknown type
                break;
        }
    }

    private void OnReserve(PeerConnection connection)
    {
        bool granted;
        lock (_natLock)
        {
            granted = Volatile.Read(ref _relayServing)
                && (_reservedBy.Contains(connection.Id) || _reservedBy.Count < _relayOptions.MaxReservations);
            if (granted)
            {
                _reservedBy.Add(connection.Id);
            }
        }

        if (granted)
        {
            connection.Reserved = true;
        }

        SendNat(connection, NatCodec.Flag(NatMessageType.ReserveResult, granted));
    }

    private void OnReserveResult(PeerConnection connection, bool granted)
    {
        lock (_natLock)
        {
            if (!_reservationsPending.Remove(connection.Id))
            {
                return; // not asked
            }

            if (!granted)
            {
                _relaysRefused[connection.Id] = _time.GetTimestamp();
                return;
            }

            if (_myRelays.Count < _relayOptions.RelaysToUse && !_myRelays.Exists(r => r.Id == connection.Id))
            {
                _myRelays.Add(new RelayEndPoint(connection.Id, connection.Session.RemoteEndPoint));
                connection.Reserved = true;
            }
        }

        MeshLog.RelayReserved(_logger, connection.Id.ToShortString());
        RequestMaintenance(); // publish the peer record with the relay now
    }

    /// <summary>
    /// Maintenance: a peer whose session moved (its NAT rebound or was reconfigured) is told where we
    /// see it now, so its classification and candidates follow the change.
    /// </summary>
    private void ReportMovedPeers()
    {
        foreach (PeerConnection connection in _connections.Values)
        {
            // Also a session that started relayed and now runs direct: its peer has never heard from us.
            if (connection.IsReady && !connection.RefreshPath())
            {
                IPEndPoint now = connection.Session.RemoteEndPoint;
                if (!now.Equals(connection.ReportedEndPoint) && !RelayAddresses.IsRelayAddress(now.Address))
                {
                    connection.ReportedEndPoint = now;
                    SendNat(connection, NatCodec.Observed(now));
                }
            }
        }
    }

    /// <summary>Maintenance: NATed nodes reserve relays among the public serving peers.</summary>
    private void MaintainReservations()
    {
        NatSnapshot snapshot = _nat.Classify(_time.GetTimestamp(), _time);
        UpdateRelayServing(snapshot.Class);
        if (ActsPublic(snapshot.Class))
        {
            return; // reachable directly: nobody needs our relays' addresses
        }

        var ask = new List<PeerConnection>();
        lock (_natLock)
        {
            // An answer lost with its session, or a peer that never answers, must not hold a slot;
            // a refusal is retried after a while (the relay's load changes).
            long now = _time.GetTimestamp();
            RemoveOlderThan(_reservationsPending, ReservationAnswerTimeout, now);
            RemoveOlderThan(_relaysRefused, RefusalMemory, now);
            int wanted = _relayOptions.RelaysToUse - _myRelays.Count - _reservationsPending.Count;
            foreach (PeerConnection connection in _connections.Values)
            {
                if (wanted <= 0)
                {
                    break;
                }

                if (connection.IsReady && connection.PeerServesRelay && !connection.IsRelayed
                    && !_myRelays.Exists(r => r.Id == connection.Id) && !_reservationsPending.ContainsKey(connection.Id)
                    && !_relaysRefused.ContainsKey(connection.Id))
                {
                    _reservationsPending[connection.Id] = _time.GetTimestamp();
                    ask.Add(connection);
                    wanted--;
                }
            }

            if (_relaysRefused.Count > 256)
            {
                _relaysRefused.Clear(); // bounded; refusals are retried eventually
            }
        }

        foreach (PeerConnection connection in ask)
        {
            SendNat(connection, NatCodec.Simple(NatMessageType.Reserve));
        }
    }

    /// <summary>How long a reservation request waits for its answer before another relay may be asked.</summary>
    private static readonly TimeSpan ReservationAnswerTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a relay that refused a reservation is not asked again.</summary>
    private static readonly TimeSpan RefusalMemory = TimeSpan.FromMinutes(5);

    private void RemoveOlderThan(Dictionary<NodeId, long> table, TimeSpan age, long now)
    {
        foreach ((NodeId id, long at) in table)
        {
            if (_time.GetElapsedTime(at, now) >= age)
            {
                table.Remove(id);
            }
        }
    }

    /// <summary>A session closed: drop what depended on it (reservations, circuits).</summary>
    private void OnNatSessionClosed(PeerConnection connection)
    {
        // A duplicate session closing (two dials that crossed) leaves the peer's other session, and
        // with it the peer's report, its reservation and ours: those belong to the peer, not the session.
        if (!HasOtherDirectSession(connection.Id, connection))
        {
            _nat.Forget(connection.Id);
            lock (_natLock)
            {
                _reservationsPending.Remove(connection.Id);
                _myRelays.RemoveAll(r => r.Id == connection.Id);
                _reservedBy.Remove(connection.Id);
            }
        }

        OnRelaySessionClosed(connection);
    }

    private bool HasOtherDirectSession(NodeId peer, PeerConnection closing)
    {
        foreach (PeerConnection other in _connections.Values)
        {
            if (other != closing && other.Id == peer && !other.IsRelayed)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A key that changes when the NAT class or relays published in the peer record change.</summary>
    private string NatRecordKey()
    {
        NatSnapshot snapshot = _nat.Classify(_time.GetTimestamp(), _time);
        NatStatus status = RecordStatus(snapshot.Class);
        lock (_natLock)
        {
            return $"{snapshot.Class}|{status}|{string.Join(",", _myRelays)}";
        }
    }

    /// <summary>The reachability the peer record states: the class, corrected by the dial-back check.</summary>
    private NatStatus RecordStatus(NatClass value) => value switch
    {
        NatClass.Public => ActsPublic(value) ? NatStatus.Public : NatStatus.Private,
        NatClass.Unknown => DialBackReachable == true ? NatStatus.Public : NatStatus.Unknown,
        _ => DialBackReachable == true ? NatStatus.Public : NatStatus.Private,
    };

    /// <summary>The NAT part of the peer record: status, class and relays.</summary>
    private PeerInfo WithNat(PeerInfo info)
    {
        NatSnapshot snapshot = _nat.Classify(_time.GetTimestamp(), _time);
        Dht.Protocol.WireContact[] relays;
        lock (_natLock)
        {
            relays = [.. _myRelays.Select(static r => new Dht.Protocol.WireContact { Id = r.Id.ToArray(), Address = r.EndPoint.Address.GetAddressBytes(), Port = r.EndPoint.Port })];
        }

        NatStatus status = RecordStatus(snapshot.Class);
        return info with { NatStatus = (byte)status, NatClass = (byte)snapshot.Class, Relays = relays };
    }
}
