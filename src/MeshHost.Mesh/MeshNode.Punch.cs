using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using MeshHost.Mesh.Connections;
using MeshHost.Mesh.Nat;
using MeshHost.Transport;

namespace MeshHost.Mesh;

// Hole punching and the upgrade of a relayed session to a direct path (docs/nat.md). The two ends
// of a relayed session exchange candidates over that session (already end-to-end authenticated,
// so the relay, acting as introducer, cannot alter them), then both send probes carrying a secret
// nonce to all of the other's candidates at once, every 200 ms. Each probe opens the sender's NAT
// for the other side; the first probe that arrives proves a direct path, and the relayed
// session's initiator moves the session onto it. The peer follows its first packet from there
// (a NAT-rebinding migration), so the application keeps the same session: nothing in flight is
// lost or reordered.
public sealed partial class MeshNode
{
    /// <summary>How long a punch lasts: probes every <see cref="ProbeInterval"/> for this long.</summary>
    internal static readonly TimeSpan PunchTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Spacing of punch probes: several per second survive some loss and a skew in start times.</summary>
    internal static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The first wait before a relayed pair punches again; doubled per failure up to <see cref="MaxPunchBackoff"/>.</summary>
    internal static readonly TimeSpan FirstPunchBackoff = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest wait between punch attempts of a relayed pair. Short, because a NAT that starts
    /// allowing punching should be used soon, and an attempt costs only a few small probes.
    /// </summary>
    internal static readonly TimeSpan MaxPunchBackoff = TimeSpan.FromMinutes(2);

    /// <summary>How soon a punch whose offer got no answer is tried again (at most <see cref="MaxUnansweredRetries"/> times in a row).</summary>
    internal static readonly TimeSpan UnansweredRetry = TimeSpan.FromSeconds(5);

    private const int MaxUnansweredRetries = 3;

    /// <summary>How long a circuit is kept after its session moved to a direct path, for packets still on their way through it.</summary>
    internal static readonly TimeSpan CircuitDrainTime = TimeSpan.FromSeconds(10);

    /// <summary>An offer from a peer is ignored when it comes sooner than this after its last punch ended.</summary>
    private static readonly TimeSpan MinOfferInterval = TimeSpan.FromSeconds(2);

    /// <summary>The most punch probes this node sends per second over all punches, so offers cannot turn it into a reflector.</summary>
    internal const int MaxProbesPerSecond = 100;

    private readonly Lock _probeBudgetLock = new();
    private double _probeTokens = MaxProbesPerSecond;
    private long _probeTokensAt;
    private long _probesDroppedBudget;

    /// <summary>"MHP1" | nonce u64 | sender NodeId [32].</summary>
    private static readonly byte[] ProbeMagic = "MHP1"u8.ToArray();

    private const int ProbeSize = 4 + 8 + NodeId.Size;

    private readonly Dictionary<NodeId, PunchState> _punches = [];

    /// <summary>
    /// Punches to <paramref name="peer"/>, whose ready session is relayed, and moves that session to
    /// a direct path when one opens. True when the session is direct afterwards.
    /// </summary>
    internal async Task<bool> PunchAsync(NodeId peer, CancellationToken cancellationToken)
    {
        PeerConnection? connection = GetReadyConnection(peer);
        if (connection is null || !connection.RefreshPath())
        {
            return connection is not null; // gone, or already direct
        }

        ulong nonce = SecretNonce();
        PunchState state;
        Task<bool>? running;
        Task<IPEndPoint[]> answer;
        lock (_punches)
        {
            state = GetPunchState(peer);
            running = state.Running?.Task;
            if (running is not null)
            {
                answer = Task.FromResult<IPEndPoint[]>([]);
            }
            else
            {
                state.Begin(nonce, connection, FindClientCircuit(connection.Session.RemoteEndPoint));
                answer = state.Answer!.Task;
            }
        }

        if (running is not null)
        {
            return await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        Task<bool> outcome = state.Running!.Task;
        Interlocked.Increment(ref _natCounters.PunchesStarted);
        SendNat(connection, NatCodec.Punch(NatMessageType.PunchOffer, nonce, OwnPunchCandidates()));
        try
        {
            // The peer starts probing when it answers: its first probe may come before the answer.
            await Task.WhenAny(answer, outcome).WaitAsync(PunchTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            EndPunch(peer, state, nonce, success: false, unanswered: true);
            return await outcome.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            EndPunch(peer, state, nonce, success: false); // never leave the state running: later offers would be refused
            throw;
        }

        if (answer.IsCanceled)
        {
            // Our offer crossed the peer's and we yielded (OnPunchMessage): the punch goes on under
            // the peer's nonce, and its outcome is ours.
            return await outcome.WaitAsync(PunchTimeout + PunchTimeout, _time, cancellationToken).ConfigureAwait(false);
        }

        return outcome.IsCompleted
            ? await outcome.ConfigureAwait(false)
            : await ProbeAsync(peer, state, nonce, await answer.ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    private void OnPunchMessage(PeerConnection connection, bool offer, ulong nonce, IPEndPoint[] candidates)
    {
        NodeId peer = connection.Id;
        if (!offer)
        {
            // Accepted even when the session has just moved: a probe can overtake the answer.
            TaskCompletionSource<IPEndPoint[]>? answer = null;
            lock (_punches)
            {
                if (_punches.TryGetValue(peer, out PunchState? state) && state.Nonce == nonce)
                {
                    answer = state.Answer;
                }
            }

            answer?.TrySetResult(candidates);
            return;
        }

        if (!connection.RefreshPath() || nonce == 0)
        {
            Interlocked.Increment(ref _natMalformed); // only a relayed pair has a reason to punch
            return;
        }

        long now = _time.GetTimestamp();
        PunchState accepted;
        lock (_punches)
        {
            accepted = GetPunchState(peer);

            // Both ends offered at once (a dial's punch and the other side's maintenance): each
            // would drop the other's offer and both would time out. The end with the smaller id
            // yields and answers the peer's offer; the other keeps its own.
            bool crossing = accepted.Running is not null && accepted.Answer is { Task.IsCompleted: false } && Id < peer;
            if (!crossing && (accepted.Running is not null || (accepted.LastOffer != 0 && _time.GetElapsedTime(accepted.LastOffer, now) < MinOfferInterval)))
            {
                Interlocked.Increment(ref _natMalformed);
                return; // rate limit: one punch at a time per peer
            }

            accepted.LastOffer = now;
            if (crossing)
            {
                accepted.Adopt(nonce);
            }
            else
            {
                accepted.Begin(nonce, connection, FindClientCircuit(connection.Session.RemoteEndPoint));
            }
        }

        Interlocked.Increment(ref _natCounters.PunchesStarted);
        SendNat(connection, NatCodec.Punch(NatMessageType.PunchAnswer, nonce, OwnPunchCandidates()));
        Observe(ProbeAsync(peer, accepted, nonce, candidates, _stopping.Token), "hole punch");
    }

    /// <summary>Sends probes to every usable candidate until a path opens or the punch times out.</summary>
    private async Task<bool> ProbeAsync(NodeId peer, PunchState state, ulong nonce, IPEndPoint[] candidates, CancellationToken cancellationToken)
    {
        Task<bool>? outcome;
        PeerConnection session;
        lock (_punches)
        {
            outcome = state.Nonce == nonce ? state.Running?.Task : null;
            session = state.Session;
        }

        if (outcome is null)
        {
            return false; // ended meanwhile
        }

        var targets = new List<IPEndPoint>();
        foreach (IPEndPoint candidate in candidates)
        {
            if (IsUsableCandidate(candidate) && targets.Count < NatCodec.MaxCandidates && !targets.Contains(candidate))
            {
                targets.Add(candidate);
            }
        }

        MeshLog.PunchStarted(_logger, peer.ToShortString(), targets.Count);
        byte[] probe = Probe(nonce, Id);
        long started = _time.GetTimestamp();
        try
        {
            while (!outcome.IsCompleted && _time.GetElapsedTime(started) < PunchTimeout && targets.Count > 0
                && (session.Session.IsInitiator || session.RefreshPath()))
            {
                foreach (IPEndPoint target in targets)
                {
                    if (TakeProbeToken())
                    {
                        _endpoint.SendUnconnected(probe, target);
                    }
                }

                await Task.Delay(ProbeInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }

        // The session's initiator decides; the other side learns it when its session moves.
        EndPunch(peer, state, nonce, !session.RefreshPath());
        return await outcome.ConfigureAwait(false);
    }

    /// <summary>Probes sent beyond the node-wide budget are skipped and counted (test hook and status).</summary>
    internal long ProbesDroppedByBudget => Interlocked.Read(ref _probesDroppedBudget);

    /// <summary>Takes one probe from the node-wide token bucket (one second of burst).</summary>
    internal bool TakeProbeToken()
    {
        long now = _time.GetTimestamp();
        lock (_probeBudgetLock)
        {
            double refill = _probeTokensAt == 0 ? MaxProbesPerSecond : _time.GetElapsedTime(_probeTokensAt, now).TotalSeconds * MaxProbesPerSecond;
            _probeTokens = Math.Min(MaxProbesPerSecond, _probeTokens + refill);
            _probeTokensAt = now;
            if (_probeTokens >= 1)
            {
                _probeTokens--;
                return true;
            }
        }

        Interlocked.Increment(ref _probesDroppedBudget);
        return false;
    }

    /// <summary>An unconnected datagram that may be a punch probe: it proves a path to the peer that sent it.</summary>
    private bool TryHandleProbe(ReadOnlySpan<byte> payload, IPEndPoint source)
    {
        if (payload.Length != ProbeSize || !payload.StartsWith(ProbeMagic))
        {
            return false;
        }

        ulong nonce = BinaryPrimitives.ReadUInt64BigEndian(payload.Slice(4));
        var sender = new NodeId(payload.Slice(12, NodeId.Size));
        PunchState? state;
        lock (_punches)
        {
            if (!_punches.TryGetValue(sender, out state) || state.Nonce != nonce || state.Running is not { } running || running.Task.IsCompleted)
            {
                return true; // stale, or someone guessing: ignored
            }
        }

        PeerConnection connection;
        ClientCircuit? circuit;
        lock (_punches)
        {
            connection = state.Session;
            circuit = state.Circuit;
        }

        if (!connection.Session.IsInitiator)
        {
            // Answer at once on the path that just proved itself, so the initiator sees it even
            // when our own probes to its candidates were filtered.
            _endpoint.SendUnconnected(Probe(nonce, Id), source);
            return true;
        }

        if (connection.Session.MigrateTo(source))
        {
            connection.RefreshPath();
            MeshLog.PathUpgraded(_logger, sender.ToShortString(), source);
            EndPunch(sender, state, nonce, success: true);
            Observe(CloseCircuitLaterAsync(circuit), "close the relay circuit");
        }

        return true;
    }

    /// <summary>
    /// A nonce an off-path attacker cannot predict (a probe with it moves a session), never 0,
    /// which means "none": from the cryptographic generator, not a seeded one.
    /// </summary>
    internal static ulong SecretNonce()
    {
        Span<byte> bytes = stackalloc byte[8];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes) | 1;
    }

    private static byte[] Probe(ulong nonce, NodeId sender)
    {
        byte[] probe = new byte[ProbeSize];
        ProbeMagic.CopyTo(probe, 0);
        BinaryPrimitives.WriteUInt64BigEndian(probe.AsSpan(4), nonce);
        sender.WriteTo(probe.AsSpan(12));
        return probe;
    }

    /// <summary>After the session moved, the circuit carries only stragglers: closed once they have drained.</summary>
    private async Task CloseCircuitLaterAsync(ClientCircuit? circuit)
    {
        if (circuit is null)
        {
            return;
        }

        await Task.Delay(CircuitDrainTime, _time, _stopping.Token).ConfigureAwait(false);
        if (RemoveClientCircuit(circuit))
        {
            SendNat(circuit.Relay, NatCodec.Circuit(NatMessageType.CircuitClose, circuit.Id));
        }
    }

    /// <summary>Ends the punch with <paramref name="nonce"/> (once; later calls for it do nothing).</summary>
    private void EndPunch(NodeId peer, PunchState state, ulong nonce, bool success, bool unanswered = false)
    {
        lock (_punches)
        {
            if (state.Nonce != nonce)
            {
                return;
            }

            state.Running?.TrySetResult(success);
            state.Running = null;
            state.LastOffer = _time.GetTimestamp(); // the peer's next offer is timed from the end of this punch
            state.Answer = null;
            state.Nonce = 0;
            double seconds;
            if (unanswered && state.Unanswered < MaxUnansweredRetries)
            {
                // The offer got no answer: the relayed path itself was down (a NAT that just lost
                // its mappings drops what the relay sends until the peer sends again). That says
                // nothing about punching, so try again soon instead of backing off.
                state.Unanswered++;
                seconds = UnansweredRetry.TotalSeconds;
            }
            else
            {
                state.Unanswered = 0;
                state.Failures = success ? 0 : Math.Min(state.Failures + 1, 16);
                seconds = Math.Min(MaxPunchBackoff.TotalSeconds, FirstPunchBackoff.TotalSeconds * Math.Pow(2, Math.Max(0, state.Failures - 1)));
            }

            state.NextAttempt = _time.GetTimestamp() + (long)(seconds * _time.TimestampFrequency);
        }

        if (success)
        {
            Interlocked.Increment(ref _natCounters.PunchesSucceeded);
        }

        MeshLog.PunchEnded(_logger, peer.ToShortString(), success);
    }

    /// <summary>Maintenance: relayed pairs keep trying, on a backoff, to move to a direct path (the relayed session's initiator asks).</summary>
    private void MaintainPunches()
    {
        long now = _time.GetTimestamp();
        var due = new List<NodeId>();
        foreach (PeerConnection connection in _connections.Values)
        {
            connection.RefreshPath();
        }

        lock (_peersLock)
        {
            foreach ((NodeId id, PeerState state) in _peers)
            {
                if (state.Primary is { IsRelayed: true } primary && primary.Session.IsInitiator)
                {
                    due.Add(id);
                }
            }
        }

        lock (_punches)
        {
            // The peer ignores an offer sooner than MinOfferInterval after the last punch ended.
            due.RemoveAll(id => _punches.TryGetValue(id, out PunchState? s)
                && (s.Running is not null || s.NextAttempt > now || (s.LastOffer != 0 && _time.GetElapsedTime(s.LastOffer, now) < MinOfferInterval + ProbeInterval)));

            // Forget state of peers no longer connected (bounded by the peer table).
            foreach (NodeId id in _punches.Keys.ToList())
            {
                if (GetAnyConnection(id) is null)
                {
                    _punches.Remove(id);
                }
            }
        }

        foreach (NodeId peer in due)
        {
            Observe(PunchAsync(peer, _stopping.Token), "hole punch retry");
        }
    }

    /// <summary>
    /// This node's NAT changed (its class or reflexive endpoint): relayed pairs punch at the next
    /// maintenance round instead of waiting out their backoff, since a changed NAT (a router
    /// replaced, a new network) is when a direct path most likely opens.
    /// </summary>
    private void PunchSoonAfterNatChange()
    {
        long now = _time.GetTimestamp();
        lock (_punches)
        {
            foreach (PunchState state in _punches.Values)
            {
                if (state.Running is null)
                {
                    state.NextAttempt = now;
                    state.Failures = 0; // a new NAT: failures before it say nothing about it
                }
            }
        }
    }

    /// <summary>What this node offers to a punching peer: its candidates (interfaces, reflexive, configured).</summary>
    private List<IPEndPoint> OwnPunchCandidates()
    {
        var list = new List<IPEndPoint>();
        foreach (IPEndPoint endPoint in AdvertisedEndPoints())
        {
            if (!RelayAddresses.IsRelayAddress(endPoint.Address) && list.Count < NatCodec.MaxCandidates)
            {
                list.Add(endPoint);
            }
        }

        return list;
    }

    /// <summary>A candidate this socket can send to: not a circuit address, multicast or broadcast, a family the socket has, loopback only from loopback.</summary>
    private bool IsUsableCandidate(IPEndPoint candidate)
    {
        IPAddress address = NatObserver.Normalize(candidate.Address);
        if (RelayAddresses.IsRelayAddress(address) || !NatObserver.IsUsable(address) || candidate.Port == 0)
        {
            return false;
        }

        // Loopback only when bound to loopback: a wildcard-bound node must not be steered into
        // probing its own host's services by a peer's offer.
        IPAddress bound = LocalEndPoint.Address;
        if (IPAddress.IsLoopback(address) != IPAddress.IsLoopback(bound))
        {
            return false;
        }

        return address.AddressFamily == AddressFamily.InterNetwork
            ? bound.AddressFamily == AddressFamily.InterNetwork || bound.Equals(IPAddress.IPv6Any)
            : bound.AddressFamily == AddressFamily.InterNetworkV6;
    }

    private PunchState GetPunchState(NodeId peer)
    {
        // Caller holds _punches.
        if (!_punches.TryGetValue(peer, out PunchState? state))
        {
            state = new PunchState();
            _punches[peer] = state;
        }

        return state;
    }

    private sealed class PunchState
    {
        /// <summary>Completes with the outcome of the punch under way; null when none is.</summary>
        public TaskCompletionSource<bool>? Running { get; set; }

        public ulong Nonce { get; set; }

        public TaskCompletionSource<IPEndPoint[]>? Answer { get; set; }

        /// <summary>The relayed session being upgraded.</summary>
        public PeerConnection Session { get; private set; } = null!;

        public ClientCircuit? Circuit { get; private set; }

        public long LastOffer { get; set; }

        public int Failures { get; set; }

        /// <summary>Punches in a row whose offer got no answer.</summary>
        public int Unanswered { get; set; }

        public long NextAttempt { get; set; }

        /// <summary>Gives up our own offer for the peer's (crossing offers): the punch under way continues under its nonce.</summary>
        public void Adopt(ulong nonce)
        {
            Nonce = nonce;
            TaskCompletionSource<IPEndPoint[]>? ours = Answer;
            Answer = null;
            ours?.TrySetCanceled();
        }

        public void Begin(ulong nonce, PeerConnection session, ClientCircuit? circuit)
        {
            Nonce = nonce;
            Session = session;
            Circuit = circuit;
            Running = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Answer = new TaskCompletionSource<IPEndPoint[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
