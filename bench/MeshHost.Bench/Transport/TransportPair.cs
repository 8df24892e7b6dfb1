using System.Diagnostics;
using System.Net;
using MeshHost.Transport;

namespace MeshHost.Bench.Transport;

/// <summary>Two transport endpoints on 127.0.0.1 with one session between them, encryption on.</summary>
internal sealed class TransportPair : IDisposable
{
    private TransportPair(TransportEndpoint client, TransportEndpoint server, BenchHandler clientHandler, BenchHandler serverHandler, Session clientSession, Session serverSession)
    {
        Client = client;
        Server = server;
        ClientHandler = clientHandler;
        ServerHandler = serverHandler;
        ClientSession = clientSession;
        ServerSession = serverSession;
    }

    public TransportEndpoint Client { get; }

    public TransportEndpoint Server { get; }

    public BenchHandler ClientHandler { get; }

    public BenchHandler ServerHandler { get; }

    public Session ClientSession { get; }

    public Session ServerSession { get; }

    public static async Task<TransportPair> CreateAsync(CancellationToken cancellationToken)
    {
        var serverHandler = new BenchHandler();
        var clientHandler = new BenchHandler();
        var server = TransportEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), NodeIdentity.Generate(), serverHandler);
        var client = TransportEndpoint.Bind(new IPEndPoint(IPAddress.Loopback, 0), NodeIdentity.Generate(), clientHandler);
        Session clientSession = await client.ConnectAsync(server.LocalEndPoint, server.LocalId, cancellationToken).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        Session serverSession = await serverHandler.FirstSession.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        return new TransportPair(client, server, clientHandler, serverHandler, clientSession, serverSession);
    }

    /// <summary>Waits until the server has stopped receiving (the previous run's backlog is delivered).</summary>
    public void WaitForQuiet(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        long last = -1;
        while (clock.Elapsed < limit)
        {
            long now = ServerHandler.Messages;
            if (now == last)
            {
                return;
            }

            last = now;
            Thread.Sleep(200);
        }
    }

    /// <summary>Messages per second delivered at the server while the client sends as fast as the session accepts.</summary>
    public (double MessagesPerSecond, double BytesPerSecond) Throughput(DeliveryMethod method, int size, int batch, TimeSpan duration) =>
        Throughput(method, size, batch, duration, out _);

    /// <summary>As <see cref="Throughput(DeliveryMethod, int, int, TimeSpan)"/>, also giving the bytes allocated per delivered message by the whole process (every thread, both endpoints).</summary>
    public (double MessagesPerSecond, double BytesPerSecond) Throughput(DeliveryMethod method, int size, int batch, TimeSpan duration, out double allocatedPerMessage)
    {
        byte[] payload = new byte[size];
        Pump(method, payload, batch, TimeSpan.FromMilliseconds(500));
        long startMessages = ServerHandler.Messages;
        long startBytes = ServerHandler.Bytes;
        long startAllocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        Pump(method, payload, batch, duration);
        double seconds = clock.Elapsed.TotalSeconds;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - startAllocated;
        allocatedPerMessage = ServerHandler.Messages > startMessages ? (double)allocated / (ServerHandler.Messages - startMessages) : 0;
        if (ServerHandler.Messages == startMessages)
        {
            throw new InvalidOperationException(
                $"No {method} message of {size} B arrived in {seconds:0.0} s. Client: {ClientSession.DebugState()}. Server: {ServerSession.DebugState()}.");
        }

        return ((ServerHandler.Messages - startMessages) / seconds, (ServerHandler.Bytes - startBytes) / seconds);
    }

    private void Pump(DeliveryMethod method, byte[] payload, int batch, TimeSpan duration)
    {
        long end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var spin = default(SpinWait);
        while (Stopwatch.GetTimestamp() < end)
        {
            bool blocked = false;
            if (batch == 1)
            {
                blocked = ClientSession.TrySend(1, method, payload) == SendResult.WouldBlock;
            }
            else
            {
                using SendBatch scope = ClientSession.BeginBatch();
                for (int i = 0; i < batch && !blocked; i++)
                {
                    blocked = ClientSession.TrySend(1, method, payload) == SendResult.WouldBlock;
                }
            }

            if (blocked)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
            else
            {
                spin.Reset();
            }
        }
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }
}

/// <summary>Counts what arrives and, when asked, answers every message with the same bytes (an echo server).</summary>
internal sealed class BenchHandler : ITransportHandler
{
    private long _messages;
    private long _bytes;

    public TaskCompletionSource<Session> FirstSession { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Messages => Interlocked.Read(ref _messages);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Only this channel is echoed and reported: throughput runs use another one.</summary>
    public const byte PingChannel = 0;

    public bool Echo { get; set; }

    /// <summary>Called on the receive thread for every message (the ping-pong driver).</summary>
    public Action<Session, ReadOnlySpan<byte>>? OnReceived { get; set; }

    public void OnSessionEstablished(Session session) => FirstSession.TrySetResult(session);

    public void OnMessage(Session session, byte channel, DeliveryMethod method, ReadOnlySpan<byte> message)
    {
        _messages++;
        _bytes += message.Length;
        if (channel != PingChannel)
        {
            return;
        }

        if (Echo)
        {
            session.TrySend(channel, method, message);
        }

        OnReceived?.Invoke(session, message);
    }

    public void OnSessionClosed(Session session, CloseReason reason)
    {
    }

    public void OnUnconnectedDatagram(ReadOnlySpan<byte> payload, IPEndPoint source)
    {
    }
}
