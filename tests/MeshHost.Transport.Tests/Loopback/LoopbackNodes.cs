using System.Net;
using System.Security.Cryptography;
using MeshHost.Transport.Network;
using MeshHost.Transport.Tests.Attacks;

namespace MeshHost.Transport.Tests.Loopback;

/// <summary>An endpoint on a real UDP socket at 127.0.0.1 (port 0), with its handler.</summary>
internal sealed record LoopbackNode(TransportEndpoint Endpoint, AwaitableHandler Handler, InterceptingSocket? Socket)
{
    public IPEndPoint Address => Endpoint.LocalEndPoint;
}

/// <summary>Creates loopback endpoints and disposes them (and their identities) at the end of a test.</summary>
internal sealed class LoopbackNodes : IDisposable
{
    /// <summary>The bound on every await of a loopback test: a hang fails fast with a message.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static readonly IPEndPoint AnyLoopbackPort = new(IPAddress.Loopback, 0);

    private readonly List<IDisposable> _owned = [];

    /// <summary>An endpoint made by <see cref="TransportEndpoint.Bind"/>, as the product makes it.</summary>
    public LoopbackNode Bind(TransportOptions? options = null)
    {
        var identity = NodeIdentity.Generate();
        var handler = new AwaitableHandler();
        TransportEndpoint endpoint = TransportEndpoint.Bind(AnyLoopbackPort, identity, handler, options);
        _owned.Add(identity);
        _owned.Add(endpoint);
        return new LoopbackNode(endpoint, handler, null);
    }

    /// <summary>An endpoint whose UDP socket sits under an <see cref="InterceptingSocket"/> (capture, mute).</summary>
    public LoopbackNode BindIntercepted(TransportOptions? options = null)
    {
        var identity = NodeIdentity.Generate();
        var handler = new AwaitableHandler();
        var socket = new InterceptingSocket(UdpDatagramSocket.Bind(AnyLoopbackPort));
        var endpoint = new TransportEndpoint(identity, socket, handler, options);
        _owned.Add(identity);
        _owned.Add(endpoint);
        return new LoopbackNode(endpoint, handler, socket);
    }

    /// <summary>Connects <paramref name="client"/> to <paramref name="server"/> (or to <paramref name="via"/>) and returns both ends.</summary>
    public static async Task<(Session Client, Session Server)> ConnectAsync(LoopbackNode client, LoopbackNode server, IPEndPoint? via = null)
    {
        int before = server.Handler.Established().Length;
        Session clientSession = await client.Endpoint.ConnectAsync(via ?? server.Address, server.Endpoint.LocalId).WaitAsync(Timeout);
        await server.Handler.WaitUntilAsync(h => h.Established().Length > before, Timeout, "the server's side of the session");
        Session serverSession = server.Handler.Established().Single(s => s.RemoteId == client.Endpoint.LocalId && s.IsOpen);
        return (clientSession, serverSession);
    }

    /// <summary>Sends <paramref name="payload"/> and awaits its arrival, intact, on the lane it was sent on.</summary>
    public static async Task SendAndReceiveAsync(Session from, LoopbackNode to, byte channel, DeliveryMethod method, byte[] payload)
    {
        int before = to.Handler.Messages().Count(m => m.Channel == channel && m.Method == method);
        await from.SendAsync(channel, method, payload).AsTask().WaitAsync(Timeout);
        await to.Handler.WaitUntilAsync(
            h => h.Messages().Count(m => m.Channel == channel && m.Method == method) > before,
            Timeout,
            $"a {method} message on channel {channel}");
        LoopbackMessage message = to.Handler.Messages().Where(m => m.Channel == channel && m.Method == method).Skip(before).First();
        Assert.Equal(payload.Length, message.Length);
        Assert.Equal(SHA256.HashData(payload), message.Sha256);
    }

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
    }
}
