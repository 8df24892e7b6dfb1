using System.Net;
using System.Net.Sockets;
using MeshHost.Transport.Security;

namespace MeshHost.Transport;

/// <summary>
/// An initiator's handshake in progress: sends the Initial, repeats it with exponential backoff
/// (250 ms doubling) until a valid response, a Retry (then it repeats with the token), the connect
/// timeout, or cancellation.
/// </summary>
internal sealed class PendingConnect
{
    private static readonly TimeSpan FirstRetransmission = TimeSpan.FromMilliseconds(250);

    private readonly TransportEndpoint _endpoint;
    private readonly TaskCompletionSource<Session> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationToken _cancellationToken;
    private readonly object _lock = new();
    private readonly byte[] _initial = new byte[2048];
    private readonly ITimer _timer;
    private readonly long _deadline;
    private CancellationTokenRegistration _registration;
    private TimeSpan _interval = FirstRetransmission;
    private int _initialLength;
    private HandshakeException? _lastFailure;
    private bool _retried;

    public PendingConnect(TransportEndpoint endpoint, IPEndPoint remote, NodeId? expectedPeer, CancellationToken cancellationToken)
    {
        _endpoint = endpoint;
        Remote = remote;
        Address = TransportEndpoint.ToPeerAddress(remote);
        LocalCid = ConnectionId.NewRandom();
        Initiator = new HandshakeInitiator(endpoint.Identity, LocalCid, expectedPeer);
        _cancellationToken = cancellationToken;
        TimeProvider time = endpoint.Clock.TimeProvider;
        _deadline = endpoint.Clock.NowMicroseconds + (long)endpoint.Options.ConnectTimeout.TotalMicroseconds;
        _timer = time.CreateTimer(static state => ((PendingConnect)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public IPEndPoint Remote { get; }

    public SocketAddress Address { get; }

    public ConnectionId LocalCid { get; }

    public HandshakeInitiator Initiator { get; }

    public Task<Session> Task => _completion.Task;

    public void Start()
    {
        _registration = _cancellationToken.Register(static state => ((PendingConnect)state!).Cancel(), this);
        lock (_lock)
        {
            if (_completion.Task.IsCompleted)
            {
                return; // cancelled while registering: Cancel already cleaned up
            }

            _initialLength = Initiator.WriteInitial(_initial, token: default);
            SendInitialLocked();
        }
    }

    public void OnRetry(ReadOnlySpan<byte> token)
    {
        lock (_lock)
        {
            if (_retried || _completion.Task.IsCompleted)
            {
                return; // one Retry per attempt, as in QUIC: a second one is ignored
            }

            if (HandshakeLayout.InitialTokenOffset + token.Length > _initial.Length)
            {
                // Retries are unauthenticated: a forged one with a token too long for any Initial
                // we send made WriteInitial throw out of the receive path. Ignore it, and keep the
                // one Retry we follow for a real one.
                return;
            }

            _retried = true;
            _initialLength = Initiator.WriteInitial(_initial, token);
            _interval = FirstRetransmission;
            SendInitialLocked();
        }
    }

    public void RecordFailure(HandshakeException failure)
    {
        lock (_lock)
        {
            _lastFailure = failure;
        }
    }

    public void Complete(Session session)
    {
        Stop();
        _completion.TrySetResult(session);
    }

    public void Fail(Exception error)
    {
        Stop();
        _completion.TrySetException(error);
    }

    private void SendInitialLocked()
    {
        _endpoint.SendHandshakeDatagram(_initial.AsSpan(0, _initialLength), Address);

        // The backoff must not carry the next check past the deadline: with doubling intervals
        // (0.25, 0.5, 1, 2, 4, 8 s) a 10 s timeout would otherwise only fail at 15.75 s.
        long remaining = Math.Max(0, _deadline - _endpoint.Clock.NowMicroseconds);
        _timer.Change(TimeSpan.FromMicroseconds(Math.Min(_interval.TotalMicroseconds, remaining)), Timeout.InfiniteTimeSpan);
        _interval *= 2;
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_completion.Task.IsCompleted)
            {
                return;
            }

            if (_endpoint.Clock.NowMicroseconds < _deadline)
            {
                SendInitialLocked();
                return;
            }
        }

        // Whoever takes the attempt out of the endpoint's table owns its outcome: a response that
        // arrived first has built a session, and this timeout must not fail it.
        if (!_endpoint.OnConnectFinished(this))
        {
            return;
        }

        Exception error = _lastFailure is { } failure
            ? new HandshakeFailedException(failure.Failure, $"Connecting to {Remote} failed: {failure.Message}", failure)
            : new TimeoutException($"No answer from {Remote} within {_endpoint.Options.ConnectTimeout}.");
        Fail(error);
    }

    private void Cancel()
    {
        if (!_endpoint.OnConnectFinished(this))
        {
            return; // the response (or a timeout) got there first and owns the outcome
        }

        Stop();
        _completion.TrySetCanceled(_cancellationToken);
    }

    private void Stop()
    {
        _timer.Dispose();
        _registration.Dispose();

        // The ephemeral key is no longer needed, whatever the outcome (the session owns its keys).
        Initiator.Dispose();
    }
}
