using System.Collections.Concurrent;
using System.Net;
using MeshHost.Transport.Testing;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>
/// Two or more endpoints on an <see cref="InMemoryNetwork"/> driven by a <see cref="ManualTimeProvider"/>:
/// everything happens inside <see cref="RunUntil"/>, on the test thread, in a deterministic order.
/// </summary>
internal sealed class SessionHarness : IDisposable
{
    private readonly List<TransportEndpoint> _endpoints = [];

    public SessionHarness(int seed = 1, TransportOptions? options = null, LinkConditions? conditions = null)
    {
        Time = new ManualTimeProvider();
        Network = new InMemoryNetwork(Time, seed);
        if (conditions is not null)
        {
            Network.DefaultConditions = conditions;
        }

        Options = options ?? new TransportOptions();
    }

    public ManualTimeProvider Time { get; }

    public InMemoryNetwork Network { get; }

    public TransportOptions Options { get; }

    public (TransportEndpoint Endpoint, RecordingHandler Handler) AddEndpoint(TransportOptions? options = null)
    {
        var handler = new RecordingHandler();
        var endpoint = new TransportEndpoint(NodeIdentity.Generate(), Network.CreateSocket(), handler, options ?? Options, Time);
        _endpoints.Add(endpoint);
        return (endpoint, handler);
    }

    /// <summary>Connects <paramref name="client"/> to <paramref name="server"/> and returns both sides of the session.</summary>
    public (Session Client, Session Server) Connect(TransportEndpoint client, RecordingHandler serverHandler, TransportEndpoint server)
    {
        Task<Session> connect = client.ConnectAsync(server.LocalEndPoint, server.LocalId);
        RunUntil(() => connect.IsCompleted && serverHandler.Established.Count > 0, TimeSpan.FromSeconds(10));
        Session clientSession = connect.GetAwaiter().GetResult();
        return (clientSession, serverHandler.Established.Single(s => s.RemoteId == client.LocalId));
    }

    /// <summary>Advances time in small steps until <paramref name="condition"/> holds; fails after <paramref name="limit"/> of simulated time.</summary>
    public void RunUntil(Func<bool> condition, TimeSpan limit, TimeSpan? step = null)
    {
        TimeSpan elapsed = TimeSpan.Zero;
        TimeSpan increment = step ?? TimeSpan.FromMilliseconds(1);
        while (!condition())
        {
            if (elapsed >= limit)
            {
                throw new TimeoutException($"Condition not reached within {limit} of simulated time.");
            }

            Time.Advance(increment);
            elapsed += increment;

            // Connect completions run their continuations on the thread pool; give them a moment.
            Thread.Yield();
        }
    }

    public void Run(TimeSpan duration, TimeSpan? step = null)
    {
        TimeSpan increment = step ?? TimeSpan.FromMilliseconds(1);
        for (TimeSpan t = TimeSpan.Zero; t < duration; t += increment)
        {
            Time.Advance(increment);
        }
    }

    public void Dispose()
    {
        foreach (TransportEndpoint endpoint in _endpoints)
        {
            endpoint.Dispose();
        }
    }
}

/// <summary>Records what an endpoint's handler is told, copying message bytes.</summary>
internal sealed class RecordingHandler : ITransportHandler
{
    public ConcurrentQueue<Session> Established { get; } = new();

    public ConcurrentQueue<ReceivedMessage> Messages { get; } = new();

    public ConcurrentQueue<(Session Session, CloseReason Reason)> Closed { get; } = new();

    public ConcurrentQueue<(byte[] Payload, IPEndPoint Source)> Unconnected { get; } = new();

    /// <summary>Called for each message after it is recorded (for echo servers and the like).</summary>
    public Action<Session, byte, DeliveryMethod, ReadOnlySpan<byte>>? OnMessageCallback { get; set; }

    public void OnSessionEstablished(Session session) => Established.Enqueue(session);

    public void OnMessage(Session session, byte channel, DeliveryMethod method, ReadOnlySpan<byte> message)
    {
        Messages.Enqueue(new ReceivedMessage(session, channel, method, message.ToArray()));
        OnMessageCallback?.Invoke(session, channel, method, message);
    }

    public void OnSessionClosed(Session session, CloseReason reason) => Closed.Enqueue((session, reason));

    public void OnUnconnectedDatagram(ReadOnlySpan<byte> payload, IPEndPoint source) => Unconnected.Enqueue((payload.ToArray(), source));
}

internal sealed record ReceivedMessage(Session Session, byte Channel, DeliveryMethod Method, byte[] Data);
