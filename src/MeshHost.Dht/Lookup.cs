using MeshHost.Dht.Protocol;
using MeshHost.Dht.Records;
using MeshHost.Transport;

namespace MeshHost.Dht;

/// <summary>
/// One iterative Kademlia lookup. Candidates are kept sorted by XOR distance to the target; at most
/// α requests are in flight, always to the closest candidates not yet asked among the k closest
/// that have not failed. The lookup ends when those k closest have all answered (or no candidate is
/// left), or, for FIND_VALUE, at the first valid record. Nodes that time out or answer with garbage
/// are marked failed and skipped, so the next candidate takes their place.
/// </summary>
/// <remarks>
/// Event-driven rather than a loop over <c>Task.WhenAny</c>: each reply updates the state under a
/// lock and launches the next requests, so no continuation is ever forced onto another thread.
/// </remarks>
internal sealed class Lookup
{
    private readonly DhtNode _node;
    private readonly NodeId _target;
    private readonly RecordKind? _valueKind;
    private readonly CancellationToken _cancellationToken;
    private readonly Lock _sync = new();
    private readonly List<Candidate> _candidates = new();
    private readonly HashSet<NodeId> _seen = new();
    private readonly List<WireRecord> _records = new();
    private readonly TaskCompletionSource<LookupResult> _completion = new();
    private readonly int _k;
    private readonly int _alpha;
    private int _inFlight;
    private int _rpcs;
    private int _failures;
    private int _valueHop;
    private bool _finished;
    private LookupResult? _result;

    public Lookup(DhtNode node, NodeId target, RecordKind? valueKind, CancellationToken cancellationToken)
    {
        _node = node;
        _target = target;
        _valueKind = valueKind;
        _cancellationToken = cancellationToken;
        _k = node.Options.K;
        _alpha = node.Options.Alpha;
    }

    public Task<LookupResult> RunAsync(IReadOnlyList<DhtContact> start)
    {
        lock (_sync)
        {
            _seen.Add(_node.Id);
            foreach (DhtContact contact in start)
            {
                Insert(contact, hop: 1);
            }
        }

        Pump();
        return _completion.Task;
    }

    private void Pump()
    {
        List<Candidate>? launch = null;
        lock (_sync)
        {
            if (!_finished)
            {
                launch = SelectOrFinish();
            }
        }

        // Outside the lock: the caller's continuation runs inline.
        Complete();
        if (launch is not null)
        {
            foreach (Candidate candidate in launch)
            {
                _ = QueryAsync(candidate);
            }
        }
    }

    private List<Candidate>? SelectOrFinish()
    {
        if (_cancellationToken.IsCancellationRequested)
        {
            _finished = true;
            _completion.TrySetCanceled(_cancellationToken);
            return null;
        }

        List<Candidate>? launch = null;
        int considered = 0;
        bool allAnswered = true;
        for (int i = 0; i < _candidates.Count && considered < _k; i++)
        {
            Candidate candidate = _candidates[i];
            if (candidate.State == CandidateState.Failed)
            {
                continue;
            }

            considered++;
            if (candidate.State != CandidateState.Succeeded)
            {
                allAnswered = false;
            }

            if (candidate.State == CandidateState.New && _inFlight < _alpha)
            {
                candidate.State = CandidateState.InFlight;
                _inFlight++;
                _rpcs++;
                (launch ??= new()).Add(candidate);
            }
        }

        if (launch is null && (allAnswered || _inFlight == 0))
        {
            launch = SecondChances();
            if (launch is null)
            {
                Finish();
            }
        }

        return launch;
    }

    /// <summary>
    /// Before finishing, asks again the failed candidates that would rank among the k closest: a
    /// lost datagram should not cost a lookup its true closest node. A really dead node costs one
    /// more timeout, once, at the end of the lookup.
    /// </summary>
    private List<Candidate>? SecondChances()
    {
        List<Candidate>? launch = null;
        int succeeded = 0;
        for (int i = 0; i < _candidates.Count && succeeded < _k; i++)
        {
            Candidate candidate = _candidates[i];
            if (candidate.State == CandidateState.Succeeded)
            {
                succeeded++;
            }
            else if (candidate.State == CandidateState.Failed && candidate.Attempts <= _node.Options.LookupRetries && _inFlight < _alpha)
            {
                candidate.State = CandidateState.InFlight;
                _inFlight++;
                _rpcs++;
                (launch ??= new()).Add(candidate);
            }
        }

        return launch;
    }

    private async Task QueryAsync(Candidate candidate)
    {
        DhtRequest request = _valueKind is RecordKind kind
            ? new FindValueRequest { Key = _target.ToArray(), Kind = (byte)kind }
            : new FindNodeRequest { Target = _target.ToArray() };
        DhtResponse? response = null;
        candidate.Attempts++;
        try
        {
            response = await _node.CallAsync(candidate.Contact, request, retries: 0, _cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Pump notices the cancellation.
        }

        WireContact[] contacts = response switch
        {
            NodesResponse nodes => nodes.Contacts,
            ValueResponse value => value.Contacts,
            _ => [],
        };
        List<WireRecord>? found = response is ValueResponse { Records.Length: > 0 } v ? Accept(v.Records) : null;

        // A candidate that does not answer is replaced by the next closest contact of this node's own
        // table: when every one of the k closest known contacts has left (the nodes that stored a
        // record, say), they can name no successors, and without a refill the lookup would end with
        // no live node at all (a republish would then store nowhere but here).
        IReadOnlyList<DhtContact>? refill = null;
        if (response is null)
        {
            int failures;
            lock (_sync)
            {
                failures = _failures + 1;
            }

            refill = _node.GetClosest(_target, _k + failures);
        }

        lock (_sync)
        {
            _inFlight--;
            if (response is null)
            {
                candidate.State = CandidateState.Failed;
                _failures++;
                foreach (DhtContact contact in refill!)
                {
                    Insert(contact, hop: 1);
                }
            }
            else
            {
                candidate.State = CandidateState.Succeeded;
                foreach (WireContact wire in contacts)
                {
                    if (DhtCodec.TryFromWire(wire, out DhtContact contact))
                    {
                        Insert(contact, candidate.Hop + 1);
                    }
                }

                if (found is { Count: > 0 })
                {
                    if (_records.Count == 0)
                    {
                        _valueHop = candidate.Hop;
                    }

                    _records.AddRange(found);
                    if (!_finished)
                    {
                        Finish();
                    }
                }
            }
        }

        Pump();
    }

    /// <summary>Keeps the records that are valid and really stored under the key looked up.</summary>
    private List<WireRecord> Accept(WireRecord[] records)
    {
        var accepted = new List<WireRecord>(records.Length);
        DateTimeOffset now = _node.Time.GetUtcNow();
        foreach (WireRecord record in records)
        {
            if (record is not null && record.Kind == (byte)_valueKind!.Value && record.Key is { Length: NodeId.Size }
                && new NodeId(record.Key) == _target && _node.Validator.Validate(record, now) == RecordVerdict.Valid)
            {
                accepted.Add(record);
            }
        }

        return accepted;
    }

    private void Insert(DhtContact contact, int hop)
    {
        if (!_seen.Add(contact.Id))
        {
            return;
        }

        var candidate = new Candidate(contact, _target ^ contact.Id, hop);
        int index = _candidates.BinarySearch(candidate, CandidateOrder.Instance);
        _candidates.Insert(index < 0 ? ~index : index, candidate);
    }

    private void Finish()
    {
        _finished = true;
        var closest = new List<DhtContact>(_k);
        int hops = 0;
        foreach (Candidate candidate in _candidates)
        {
            if (candidate.State == CandidateState.Succeeded)
            {
                if (closest.Count == 0)
                {
                    hops = candidate.Hop;
                }

                closest.Add(candidate.Contact);
                if (closest.Count == _k)
                {
                    break;
                }
            }
        }

        if (_records.Count > 0)
        {
            hops = _valueHop;
            _records.Sort(static (a, b) => b.IssuedAtMs.CompareTo(a.IssuedAtMs));
        }

        _node.OnLookupFinished(_target);
        _result = new LookupResult(closest, [.. _records], hops, _rpcs, _failures);
    }

    private void Complete()
    {
        LookupResult? result;
        lock (_sync)
        {
            result = _result;
            _result = null;
        }

        if (result is not null)
        {
            _completion.TrySetResult(result);
        }
    }

    private enum CandidateState
    {
        New,
        InFlight,
        Succeeded,
        Failed,
    }

    private sealed class Candidate(DhtContact contact, NodeId distance, int hop)
    {
        public DhtContact Contact { get; } = contact;

        public NodeId Distance { get; } = distance;

        public int Hop { get; } = hop;

        public CandidateState State { get; set; }

        public int Attempts { get; set; }
    }

    private sealed class CandidateOrder : IComparer<Candidate>
    {
        public static readonly CandidateOrder Instance = new();

        public int Compare(Candidate? x, Candidate? y) => x!.Distance.CompareTo(y!.Distance);
    }
}
