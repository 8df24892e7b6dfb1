using System.Net;
using System.Net.Sockets;
using MeshHost.Mesh.Connections;
using MeshHost.Mesh.Nat;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh;

// Hole punching. The two ends exchange candidates over their relayed session, which is already
// end-to-end authenticated (so the relay acting as introducer cannot alter them), then both dial
// all of the other's candidates at once; the first handshake to complete wins and the duplicate
// rule settles the rest (docs/nat.md).
public sealed partial class MeshNode
{
    /// <summary>How long a punch may take: the handshakes' retransmissions (0, 0.25, 0.75, 1.75, 3.75 s) fit in it.</summary>
    internal static readonly TimeSpan PunchTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The first wait before a relayed pair punches again; doubled per failure up to <see cref="MaxPunchBackoff"/>.</summary>
    internal static readonly TimeSpan FirstPunchBackoff = TimeSpan.FromSeconds(30);

    internal static readonly TimeSpan MaxPunchBackoff = TimeSpan.FromMinutes(10);

    /// <summary>An offer from a peer is ignored when it comes sooner than this after its last one.</summary>
    private static readonly TimeSpan MinOfferInterval = TimeSpan.FromSeconds(2);

    private readonly Dictionary<NodeId, PunchState> _punches = [];

    /// <summary>
    /// Starts a punch with <paramref name="peer"/> over its relayed session and waits (bounded) for
    /// a direct session. True when the peer is reached directly afterwards.
    /// </summary>
    internal async Task<bool> PunchAsync(NodeId peer, CancellationToken cancellationToken)
    {
        if (GetReadyConnection(peer) is not { IsRelayed: true } relayed)
        {
            return GetReadyConnection(peer) is { IsRelayed: false };
        }

        ulong nonce = (ulong)Random.Shared.NextInt64() | 1; // never 0, which means "no offer pending"
        TaskCompletionSource<IPEndPoint[]> answer;
        Task<bool>? running;
        lock (_punches)
        {
            PunchState state = GetPunchState(peer);
            running = state.Running;
            answer = new TaskCompletionSource<IPEndPoint[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (running is null)
            {
                state.PendingNonce = nonce;
                state.Answer = answer;
            }
        }

        if (running is not null)
        {
            return await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        Interlocked.Increment(ref _natCounters.PunchesStarted);
        SendNat(relayed, NatCodec.Punch(NatMessageType.PunchOffer, nonce, OwnPunchCandidates()));
        IPEndPoint[] candidates;
        try
        {
            candidates = await answer.Task.WaitAsync(PunchTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            NotePunchResult(peer, success: false);
            return false;
        }

        return await RunPunchAsync(peer, candidates, cancellationToken).ConfigureAwait(false);
    }

    private void OnPunchMessage(PeerConnection connection, bool offer, ulong nonce, IPEndPoint[] candidates)
    {
        if (!connection.IsRelayed)
        {
            Interlocked.Increment(ref _natMalformed); // only a relayed pair has a reason to punch
            return;
        }

        NodeId peer = connection.Id;
        if (!offer)
        {
            TaskCompletionSource<IPEndPoint[]>? answer = null;
            lock (_punches)
            {
                if (_punches.TryGetValue(peer, out PunchState? state) && state.PendingNonce == nonce)
                {
                    answer = state.Answer;
                    state.PendingNonce = 0;
                }
            }

            answer?.TrySetResult(candidates);
            return;
        }

        long now = _time.GetTimestamp();
        lock (_punches)
        {
            PunchState state = GetPunchState(peer);
            if (state.Running is not null || (state.LastOffer != 0 && _time.GetElapsedTime(state.LastOffer, now) < MinOfferInterval))
            {
                Interlocked.Increment(ref _natMalformed);
                return; // rate limit: one punch at a time per peer
            }

            state.LastOffer = now;
        }

        Interlocked.Increment(ref _natCounters.PunchesStarted);
        SendNat(connection, NatCodec.Punch(NatMessageType.PunchAnswer, nonce, OwnPunchCandidates()));
        Observe(RunPunchAsync(peer, candidates, _stopping.Token), "hole punch");
    }

    /// <summary>Dials every usable candidate of <paramref name="peer"/> at once; true when a direct session results.</summary>
    private async Task<bool> RunPunchAsync(NodeId peer, IPEndPoint[] candidates, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<bool>? running;
        lock (_punches)
        {
            PunchState state = GetPunchState(peer);
            running = state.Running;
            if (running is null)
            {
                state.Running = completion.Task;
            }
        }

        if (running is not null)
        {
            return await running.ConfigureAwait(false);
        }

        bool success = false;
        try
        {
            var dials = new List<Task>();
            foreach (IPEndPoint candidate in candidates)
            {
                if (IsUsableCandidate(candidate) && dials.Count < NatCodec.MaxCandidates)
                {
                    dials.Add(PunchDialAsync(candidate, peer, cancellationToken));
                }
            }

            MeshLog.PunchStarted(_logger, peer.ToShortString(), dials.Count);
            await Task.WhenAll(dials).ConfigureAwait(false);
            success = GetReadyConnection(peer) is { IsRelayed: false };
            return success;
        }
        finally
        {
            NotePunchResult(peer, success);
            lock (_punches)
            {
                GetPunchState(peer).Running = null;
            }

            completion.TrySetResult(success);
        }
    }

    private async Task PunchDialAsync(IPEndPoint candidate, NodeId peer, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PunchTimeout);
            await DialEndPointAsync(candidate, peer, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MeshException or OperationCanceledException)
        {
            // This candidate did not answer; another may have.
        }
    }

    private void NotePunchResult(NodeId peer, bool success)
    {
        lock (_punches)
        {
            PunchState state = GetPunchState(peer);
            if (success)
            {
                state.Failures = 0;
                Interlocked.Increment(ref _natCounters.PunchesSucceeded);
            }
            else
            {
                state.Failures = Math.Min(state.Failures + 1, 16);
            }

            double seconds = Math.Min(MaxPunchBackoff.TotalSeconds, FirstPunchBackoff.TotalSeconds * Math.Pow(2, state.Failures - 1));
            state.NextAttempt = _time.GetTimestamp() + (long)(seconds * _time.TimestampFrequency);
        }

        MeshLog.PunchEnded(_logger, peer.ToShortString(), success);
    }

    /// <summary>Maintenance: relayed pairs keep trying, on a backoff, to move to a direct path (the relayed session's initiator asks).</summary>
    private void MaintainPunches()
    {
        long now = _time.GetTimestamp();
        var due = new List<NodeId>();
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
            due.RemoveAll(id => _punches.TryGetValue(id, out PunchState? s) && (s.Running is not null || s.NextAttempt > now));

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

    /// <summary>A candidate this socket can send to: not a circuit address, a family the socket has, loopback only from loopback.</summary>
    private bool IsUsableCandidate(IPEndPoint candidate)
    {
        IPAddress address = NatObserver.Normalize(candidate.Address);
        if (RelayAddresses.IsRelayAddress(address) || !NatObserver.IsUsable(address) || candidate.Port == 0)
        {
            return false;
        }

        IPAddress bound = LocalEndPoint.Address;
        if (IPAddress.IsLoopback(address) != IPAddress.IsLoopback(bound) && !bound.Equals(IPAddress.Any) && !bound.Equals(IPAddress.IPv6Any))
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
        public Task<bool>? Running { get; set; }

        public ulong PendingNonce { get; set; }

        public TaskCompletionSource<IPEndPoint[]>? Answer { get; set; }

        public long LastOffer { get; set; }

        public int Failures { get; set; }

        public long NextAttempt { get; set; }
    }
}
