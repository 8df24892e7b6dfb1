using System.Net;
using MeshHost.Transport.Testing;
using MeshHost.Transport.Tests.Sessions;

namespace MeshHost.Transport.Tests.Attacks;

/// <summary>An endpoint on the attack network, with the decorator under it and the handler that records what it is told.</summary>
internal sealed record AttackNode(TransportEndpoint Endpoint, InterceptingSocket Socket, RecordingHandler Handler, NodeIdentity Identity)
{
    public IPEndPoint Address => Endpoint.LocalEndPoint;
}

/// <summary>
/// Endpoints on an <see cref="InMemoryNetwork"/> with a <see cref="ManualTimeProvider"/>, each on an
/// <see cref="InterceptingSocket"/>, so that a test can attack any of them. As with
/// <see cref="SessionHarness"/>, everything runs on the test thread inside <see cref="RunUntil"/>.
/// </summary>
internal sealed class AttackNetwork : IDisposable
{
    private readonly List<AttackNode> _nodes = [];

    public AttackNetwork(int seed = 1)
    {
        Time = new ManualTimeProvider();
        Network = new InMemoryNetwork(Time, seed);
    }

    public ManualTimeProvider Time { get; }

    public InMemoryNetwork Network { get; }

    public AttackNode AddNode(TransportOptions? options = null, IPEndPoint? address = null)
    {
        var handler = new RecordingHandler(() => Time.GetUtcNow() - ManualTimeProvider.DefaultStart);
        var socket = new InterceptingSocket(Network.CreateSocket(address));
        var identity = NodeIdentity.Generate();
        var endpoint = new TransportEndpoint(identity, socket, handler, options, Time);
        var node = new AttackNode(endpoint, socket, handler, identity);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Connects and returns both ends of the new session.</summary>
    public (Session Client, Session Server) Connect(AttackNode client, AttackNode server)
    {
        int before = server.Handler.Established.Count;
        Task<Session> connect = client.Endpoint.ConnectAsync(server.Address, server.Endpoint.LocalId);
        RunUntil(() => connect.IsCompleted && server.Handler.Established.Count > before, TimeSpan.FromSeconds(10), "the connect");
        Session clientSession = connect.GetAwaiter().GetResult();
        Session serverSession = server.Handler.Established.Single(s => s.RemoteId == client.Endpoint.LocalId && s.IsOpen);
        return (clientSession, serverSession);
    }

    /// <summary>Advances time in 1 ms steps until <paramref name="condition"/> holds; fails after <paramref name="limit"/> of simulated time.</summary>
    public void RunUntil(Func<bool> condition, TimeSpan limit, string what)
    {
        TimeSpan elapsed = TimeSpan.Zero;
        TimeSpan step = TimeSpan.FromMilliseconds(1);
        while (!condition())
        {
            if (elapsed >= limit)
            {
                throw new TimeoutException($"Waiting for {what}: not reached within {limit} of simulated time.");
            }

            Time.Advance(step);
            elapsed += step;

            // A connect completes its task on the thread pool (RunContinuationsAsynchronously); only
            // IsCompleted is read here, which is set synchronously.
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

    /// <summary>Sends <paramref name="payload"/> and runs until it arrives once; fails on any other message.</summary>
    public void RoundTrip(Session from, AttackNode to, byte channel, DeliveryMethod method, byte[] payload)
    {
        int before = to.Handler.Messages.Count;
        Assert.Equal(SendResult.Queued, from.TrySend(channel, method, payload));
        RunUntil(() => to.Handler.Messages.Count > before, TimeSpan.FromSeconds(5), $"a {method} message on channel {channel}");
        Run(TimeSpan.FromMilliseconds(50));
        ReceivedMessage[] received = [.. to.Handler.Messages.Skip(before)];
        ReceivedMessage message = Assert.Single(received);
        Assert.Equal(channel, message.Channel);
        Assert.Equal(method, message.Method);
        Assert.Equal(payload, message.Data);
    }

    /// <summary>Disposes every node, then fails the test if any datagram the network delivered made an endpoint throw.</summary>
    public void Dispose()
    {
        var faults = new List<string>();
        foreach (AttackNode node in _nodes)
        {
            faults.AddRange(node.Socket.Faults().Select(f => $"{node.Address}: {f}"));
            node.Endpoint.Dispose();
            node.Identity.Dispose();
        }

        Assert.Empty(faults);
    }
}
