using MeshHost.Control;
using MeshHost.Sdk;
using MeshHost.Transport;
using Microsoft.Extensions.Logging;

namespace MeshHost.Ping;

/// <summary>
/// One <c>meshhost ping</c>: dials the peer if needed, sends echo requests of pseudo-random bytes
/// (a fresh seed per run, reported so a corruption can be reproduced), checks every echoed byte,
/// and measures connect time, time to first reply, round trips and throughput.
/// </summary>
internal sealed class PingRunner
{
    private readonly INodeControl _node;
    private readonly IRequestChannel<EchoRequest, EchoReply> _channel;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public PingRunner(INodeControl node, IRequestChannel<EchoRequest, EchoReply> channel, TimeProvider time, ILogger logger)
    {
        _node = node;
        _channel = channel;
        _time = time;
        _logger = logger;
    }

    /// <summary>Runs the pings; a lost, failed or corrupted echo is counted in the answer, not thrown.</summary>
    /// <param name="target">The peer.</param>
    /// <param name="settings">Count, size, window and the bound on the whole run.</param>
    /// <param name="seed">The content's seed; null for a random one.</param>
    /// <param name="cancellationToken">Cancels the run (the caller left).</param>
    /// <exception cref="MeshException">The peer could not be dialled.</exception>
    /// <exception cref="TimeoutException">The dial took the whole of <see cref="PingSettings.Timeout"/>.</exception>
    public async Task<PingResponse> RunAsync(NodeId target, PingSettings settings, int? seed, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        using var deadline = new CancellationTokenSource(settings.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);

        bool alreadyConnected = FindPeer(target) is not null;
        if (!alreadyConnected)
        {
            try
            {
                await _node.ConnectAsync(target, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The dial took longer than the ping's bound of {settings.Timeout.TotalSeconds:0.#} s.");
            }
        }

        double connectMs = _time.GetElapsedTime(started).TotalMilliseconds;
        var run = new Run(this, target, settings, seed ?? Random.Shared.Next(), started, deadline, linked.Token);
        long echoStarted = _time.GetTimestamp();
        Task[] workers = new Task[settings.Window];
        for (int i = 0; i < workers.Length; i++)
        {
            workers[i] = run.WorkAsync();
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        TimeSpan echoElapsed = _time.GetElapsedTime(echoStarted);

        (string path, string? relay, string? endPoint) = DescribePath(target);
        double[] rtts = run.SortedRoundTrips();
        long bytes = (long)rtts.Length * settings.Size;
        PingResponse response = new(
            target.ToString(),
            path,
            relay,
            endPoint,
            alreadyConnected,
            connectMs,
            run.FirstReplyMs,
            settings.Count,
            settings.Size,
            settings.Window,
            run.Seed,
            rtts.Length,
            run.Corrupted,
            run.TimedOut,
            run.Failed,
            run.FirstError,
            rtts.Length == 0 ? null : rtts[0],
            Percentile(rtts, 0.50),
            Percentile(rtts, 0.99),
            rtts.Length == 0 ? null : rtts[^1],
            _time.GetElapsedTime(started).TotalMilliseconds,
            bytes,
            echoElapsed > TimeSpan.Zero ? bytes / echoElapsed.TotalSeconds : 0);
        PingLog.PingDone(_logger, target.ToShortString(), response.Echoed, response.Count, path, response.Corrupted, response.TimedOut, response.Failed, response.RttP50Ms);
        return response;
    }

    /// <summary>The nearest-rank percentile of sorted values; null when there are none.</summary>
    internal static double? Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return null;
        }

        int rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>The content of request <paramref name="sequence"/>: reproducible from the run's seed alone.</summary>
    internal static byte[] Payload(int seed, int sequence, int size)
    {
        byte[] payload = new byte[size];
        new Random(unchecked(seed + (sequence * 7919))).NextBytes(payload);
        return payload;
    }

    private PeerResponse? FindPeer(NodeId target)
    {
        string id = target.ToString();
        foreach (PeerResponse peer in ControlMapping.ToResponse(_node.GetPeers()).Peers)
        {
            if (peer.Id == id)
            {
                return peer;
            }
        }

        return null;
    }

    /// <summary>The path kind (<c>direct</c> or <c>relayed</c>, with the relay) as the peers table reports it; <c>none</c> when the session is gone.</summary>
    private (string Path, string? Relay, string? EndPoint) DescribePath(NodeId target) =>
        FindPeer(target) is { } peer ? (peer.Path, peer.Relay, peer.EndPoint) : ("none", null, null);

    /// <summary>The shared state of one run's workers: each takes the next sequence number until all are sent.</summary>
    private sealed class Run
    {
        private readonly PingRunner _owner;
        private readonly NodeId _target;
        private readonly PeerId _peer;
        private readonly PingSettings _settings;
        private readonly long _started;
        private readonly CancellationTokenSource _deadline;
        private readonly CancellationToken _token;
        private readonly Lock _sync = new();
        private readonly List<double> _roundTrips = [];
        private int _next = -1;
        private int _corrupted;
        private int _timedOut;
        private int _failed;

        public Run(PingRunner owner, NodeId target, PingSettings settings, int seed, long started, CancellationTokenSource deadline, CancellationToken token)
        {
            _owner = owner;
            _target = target;
            _peer = NodeIds.ToPeerId(target);
            _settings = settings;
            Seed = seed;
            _started = started;
            _deadline = deadline;
            _token = token;
        }

        public int Seed { get; }

        public double? FirstReplyMs { get; private set; }

        public int Corrupted => Volatile.Read(ref _corrupted);

        public int TimedOut => Volatile.Read(ref _timedOut);

        public int Failed => Volatile.Read(ref _failed);

        public string? FirstError { get; private set; }

        public double[] SortedRoundTrips()
        {
            lock (_sync)
            {
                double[] sorted = [.. _roundTrips];
                Array.Sort(sorted);
                return sorted;
            }
        }

        public async Task WorkAsync()
        {
            TimeProvider time = _owner._time;
            int sequence;
            while ((sequence = Interlocked.Increment(ref _next)) < _settings.Count)
            {
                TimeSpan left = _settings.Timeout - time.GetElapsedTime(_started);
                if (left <= TimeSpan.Zero || _token.IsCancellationRequested)
                {
                    // The run's bound is spent: what was not sent counts as lost.
                    Interlocked.Increment(ref _timedOut);
                    continue;
                }

                byte[] payload = Payload(Seed, sequence, _settings.Size);
                long sent = time.GetTimestamp();
                try
                {
                    TimeSpan timeout = left < PingSettings.RequestTimeout ? left : PingSettings.RequestTimeout;
                    EchoReply reply = await _owner._channel.RequestAsync(_peer, new EchoRequest { Payload = payload }, timeout, _token).ConfigureAwait(false);
                    double rtt = time.GetElapsedTime(sent).TotalMilliseconds;
                    if (reply.Payload.AsSpan().SequenceEqual(payload))
                    {
                        Record(rtt, time.GetElapsedTime(_started).TotalMilliseconds);
                    }
                    else
                    {
                        Interlocked.Increment(ref _corrupted);
                        int offset = payload.AsSpan().CommonPrefixLength(reply.Payload);
                        Fail($"request {sequence} came back with different bytes (first difference at offset {offset}; {reply.Payload.Length} bytes back for {payload.Length} sent; seed {Seed})");
                        PingLog.EchoCorrupted(_owner._logger, _target.ToShortString(), sequence, offset, payload.Length, Seed);
                    }
                }
                catch (TimeoutException e)
                {
                    Interlocked.Increment(ref _timedOut);
                    Fail(e.Message);
                }
                catch (OperationCanceledException) when (_deadline.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _timedOut);
                    Fail($"request {sequence} was still waiting when the ping's bound of {_settings.Timeout.TotalSeconds:0.#} s ran out");
                }
                catch (OperationCanceledException)
                {
                    return; // the caller left
                }
                catch (MeshException e)
                {
                    Interlocked.Increment(ref _failed);
                    Fail(e.Message);
                    PingLog.EchoFailed(_owner._logger, _target.ToShortString(), sequence, e.Message);
                }
            }
        }

        private void Record(double rtt, double sinceStart)
        {
            lock (_sync)
            {
                _roundTrips.Add(rtt);
                FirstReplyMs ??= sinceStart;
            }
        }

        private void Fail(string message)
        {
            lock (_sync)
            {
                FirstError ??= message;
            }
        }
    }
}
