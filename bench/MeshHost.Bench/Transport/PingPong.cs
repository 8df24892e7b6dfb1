using System.Diagnostics;
using MeshHost.Transport;

namespace MeshHost.Bench.Transport;

/// <summary>
/// Request/response over a session, driven from the receive threads: the server echoes each
/// request, and the client's handler sends the next request the moment the reply arrives. A
/// watchdog counts stalls: an exchange with no reply for 250 ms (then it resends to carry on).
/// </summary>
internal sealed class PingPong
{
    private static readonly long StallTicks = Stopwatch.Frequency / 4;

    private readonly TransportPair _pair;
    private readonly double[] _samples;
    private readonly int _count;
    private readonly byte[] _request = new byte[16];
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sentAt;
    private int _completed;

    public PingPong(TransportPair pair, int count, bool keepSamples)
    {
        _pair = pair;
        _count = count;
        _samples = keepSamples ? new double[count] : [];
    }

    public int Stalls { get; private set; }

    public double[] Samples => _samples;

    public async Task RunAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        _pair.ServerHandler.Echo = true;
        _pair.ClientHandler.OnReceived = OnReply;
        try
        {
            SendRequest();
            var clock = Stopwatch.StartNew();
            int lastSeen = -1;
            long lastProgress = Stopwatch.GetTimestamp();
            while (!_done.Task.IsCompleted)
            {
                await Task.WhenAny(_done.Task, Task.Delay(50, cancellationToken)).ConfigureAwait(false);
                int completed = Volatile.Read(ref _completed);
                long now = Stopwatch.GetTimestamp();
                if (completed != lastSeen)
                {
                    lastSeen = completed;
                    lastProgress = now;
                }
                else if (now - lastProgress > StallTicks && !_done.Task.IsCompleted)
                {
                    // No reply for 250 ms on loopback: the exchange stalled. Count it, then send again
                    // so the run can continue (the transport should never need this).
                    Stalls++;
                    lastProgress = now;
                    SendRequest();
                }

                if (clock.Elapsed > limit)
                {
                    throw new TimeoutException($"Ping-pong did not finish {_count} exchanges within {limit} ({completed} done).");
                }
            }
        }
        finally
        {
            _pair.ClientHandler.OnReceived = null;
            _pair.ServerHandler.Echo = false;
        }
    }

    private void SendRequest()
    {
        Volatile.Write(ref _sentAt, Stopwatch.GetTimestamp());
        _pair.ClientSession.TrySend(BenchHandler.PingChannel, DeliveryMethod.ReliableOrdered, _request);
    }

    private void OnReply(Session session, ReadOnlySpan<byte> reply)
    {
        long now = Stopwatch.GetTimestamp();
        int index = _completed;
        if (index < _samples.Length)
        {
            _samples[index] = (now - Volatile.Read(ref _sentAt)) * 1_000_000.0 / Stopwatch.Frequency;
        }

        _completed = index + 1;
        if (index + 1 >= _count)
        {
            _done.TrySetResult();
            return;
        }

        SendRequest();
    }
}
