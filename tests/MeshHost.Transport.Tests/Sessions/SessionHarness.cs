using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using MeshHost.Transport.Network;
using MeshHost.Transport.Testing;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>
/// Two or more endpoints on an <see cref="InMemoryNetwork"/> driven by a <see cref="ManualTimeProvider"/>:
/// everything happens inside <see cref="RunUntil"/> and <see cref="Run"/>, on the test thread, in
/// a deterministic order. Time jumps from timer to timer (nothing changes in between), so idle
/// simulated time costs nothing.
/// </summary>
internal sealed class SessionHarness : IDisposable
{
    /// <summary>Wall-clock bound on waiting for a thread-pool continuation (a hang fails, it does not block the run).</summary>
    private static readonly TimeSpan ContinuationTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Clock reads without the clock moving before a run is declared stuck in a zero-delay timer loop.</summary>
    private const int MaxStepsWithoutProgress = 100_000;

    /// <summary>Wall-clock bound on one step: a timer that keeps re-arming itself for the same instant never returns from Advance.</summary>
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    private readonly List<TransportEndpoint> _endpoints = [];
    private readonly DateTimeOffset _start;
    private readonly Timer _watchdog;
    private long _stepStarted; // Stopwatch timestamp while a step runs, 0 otherwise

    public SessionHarness(int seed = 1, TransportOptions? options = null, LinkConditions? conditions = null)
    {
        Time = new ManualTimeProvider();
        _start = Time.GetUtcNow();
        Network = new InMemoryNetwork(Time, seed, Faults);
        if (conditions is not null)
        {
            Network.DefaultConditions = conditions;
        }

        Options = options ?? new TransportOptions();
        _watchdog = new Timer(static state => ((SessionHarness)state!).CheckStep(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public ManualTimeProvider Time { get; }

    /// <summary>Exceptions the network or the endpoints caught and logged; any fails the run at the next step.</summary>
    public FaultLog Faults { get; } = new();

    public InMemoryNetwork Network { get; }

    public TransportOptions Options { get; }

    /// <summary>Runs after every step of simulated time: invariants that must hold at every instant go here.</summary>
    public Action? AfterStep { get; set; }

    /// <summary>Simulated time since the harness was created.</summary>
    public TimeSpan Now => Time.GetUtcNow() - _start;

    public (TransportEndpoint Endpoint, RecordingHandler Handler) AddEndpoint(TransportOptions? options = null, IDatagramSocket? socket = null)
    {
        var handler = new RecordingHandler(() => Now);
        var endpoint = new TransportEndpoint(NodeIdentity.Generate(), socket ?? Network.CreateSocket(), handler, options ?? Options, Time, Faults);
        _endpoints.Add(endpoint);
        return (endpoint, handler);
    }

    /// <summary>Connects <paramref name="client"/> to <paramref name="server"/> and returns both sides of the session.</summary>
    public (Session Client, Session Server) Connect(TransportEndpoint client, RecordingHandler serverHandler, TransportEndpoint server)
    {
        Task<Session> connect = client.ConnectAsync(server.LocalEndPoint, server.LocalId);
        RunUntil(() => connect.IsCompleted && serverHandler.Established.Any(s => s.RemoteId == client.LocalId), TimeSpan.FromSeconds(10));
        Session clientSession = connect.GetAwaiter().GetResult();
        return (clientSession, serverHandler.Established.Single(s => s.RemoteId == client.LocalId));
    }

    /// <summary>
    /// Advances time from timer to timer (never more than <paramref name="maxStep"/> at once) until
    /// <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> after
    /// <paramref name="limit"/> of simulated time.
    /// </summary>
    public void RunUntil(Func<bool> condition, TimeSpan limit, TimeSpan? maxStep = null)
    {
        TimeSpan deadline = Now + limit;
        TimeSpan cap = maxStep ?? TimeSpan.FromSeconds(1);
        int stuck = 0;
        while (!condition())
        {
            TimeSpan before = Now;
            if (before >= deadline)
            {
                throw new TimeoutException($"Condition not reached within {limit} of simulated time (now {before}).");
            }

            Step(Min(cap, deadline - before));
            stuck = Now == before ? stuck + 1 : 0;
            if (stuck > MaxStepsWithoutProgress)
            {
                throw new InvalidOperationException($"Time stopped at {before}: a timer keeps re-arming itself for now.");
            }
        }
    }

    /// <summary>Advances simulated time by <paramref name="duration"/>, firing every timer on the way.</summary>
    public void Run(TimeSpan duration)
    {
        TimeSpan end = Now + duration;
        while (Now < end)
        {
            Step(end - Now);
        }
    }

    /// <summary>
    /// Drives time until <paramref name="send"/> (a <see cref="Session.SendAsync"/> on
    /// <paramref name="session"/>) completes, within <paramref name="limit"/> of simulated time,
    /// and observes its result. While the session has released its waiter but the continuation
    /// (which runs on the thread pool) has not yet parked again or finished, time stands still, so
    /// the run stays deterministic.
    /// </summary>
    public void Await(ValueTask send, Session session, TimeSpan limit)
    {
        TimeSpan deadline = Now + limit;
        while (!send.IsCompleted)
        {
            if (!session.HasSendWaiter)
            {
                WaitForContinuation(() => send.IsCompleted || session.HasSendWaiter);
                continue;
            }

            if (Now >= deadline)
            {
                throw new TimeoutException($"SendAsync did not complete within {limit} of simulated time.");
            }

            Step(Min(TimeSpan.FromSeconds(1), deadline - Now));
        }

        send.GetAwaiter().GetResult();
    }

    /// <summary>Moves to the next timer, or by <paramref name="maxStep"/> if none falls due sooner; a timer due now fires without moving the clock.</summary>
    public void Step(TimeSpan maxStep)
    {
        DateTimeOffset now = Time.GetUtcNow();
        DateTimeOffset? next = Time.NextDue;
        TimeSpan step = maxStep;
        if (next is { } due && due - now < step)
        {
            step = due > now ? due - now : TimeSpan.Zero;
        }

        Volatile.Write(ref _stepStarted, Stopwatch.GetTimestamp());
        Time.Advance(step);
        Volatile.Write(ref _stepStarted, 0);
        Faults.ThrowIfAny();
        AfterStep?.Invoke();
    }

    public void Dispose()
    {
        _watchdog.Dispose();
        foreach (TransportEndpoint endpoint in _endpoints)
        {
            endpoint.Dispose();
        }
    }

    private void CheckStep()
    {
        long started = Volatile.Read(ref _stepStarted);
        if (started != 0 && Stopwatch.GetElapsedTime(started) > StepTimeout)
        {
            // The test thread is stuck inside ManualTimeProvider.Advance and cannot be interrupted;
            // ending the run with a message beats hanging it.
            Environment.FailFast($"A step of simulated time at {Now} has not returned for {StepTimeout}: a timer keeps re-arming itself for the same instant.");
        }
    }

    private static void WaitForContinuation(Func<bool> done)
    {
        var watch = Stopwatch.StartNew();
        var spin = default(SpinWait);
        while (!done())
        {
            if (watch.Elapsed > ContinuationTimeout)
            {
                throw new TimeoutException("A thread-pool continuation did not run within the wall-clock limit.");
            }

            spin.SpinOnce();
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

/// <summary>Records what an endpoint's handler is told, copying message bytes and stamping them with simulated time.</summary>
internal sealed class RecordingHandler(Func<TimeSpan> clock) : ITransportHandler
{
    public ConcurrentQueue<Session> Established { get; } = new();

    public ConcurrentQueue<ReceivedMessage> Messages { get; } = new();

    public ConcurrentQueue<(Session Session, CloseReason Reason)> Closed { get; } = new();

    public ConcurrentQueue<(byte[] Payload, IPEndPoint Source)> Unconnected { get; } = new();

    /// <summary>Whether <see cref="Messages"/> gets a copy of each message (off for long runs that only count).</summary>
    public bool RecordMessages { get; set; } = true;

    /// <summary>Called for each message after it is recorded (for echo servers and the like).</summary>
    public Action<Session, byte, DeliveryMethod, ReadOnlySpan<byte>>? OnMessageCallback { get; set; }

    public void OnSessionEstablished(Session session) => Established.Enqueue(session);

    public void OnMessage(Session session, byte channel, DeliveryMethod method, ReadOnlySpan<byte> message)
    {
        if (RecordMessages)
        {
            Messages.Enqueue(new ReceivedMessage(session, channel, method, message.ToArray(), clock()));
        }

        OnMessageCallback?.Invoke(session, channel, method, message);
    }

    public void OnSessionClosed(Session session, CloseReason reason) => Closed.Enqueue((session, reason));

    public void OnUnconnectedDatagram(ReadOnlySpan<byte> payload, IPEndPoint source) => Unconnected.Enqueue((payload.ToArray(), source));
}

internal sealed record ReceivedMessage(Session Session, byte Channel, DeliveryMethod Method, byte[] Data, TimeSpan At);
