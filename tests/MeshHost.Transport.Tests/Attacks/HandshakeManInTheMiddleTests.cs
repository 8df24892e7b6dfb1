using MeshHost.Transport.Security;
using MeshHost.Transport.Tests.Security;

namespace MeshHost.Transport.Tests.Attacks;

/// <summary>
/// Mallory sits on the path of a real connect between two endpoints and swaps the ephemeral keys
/// of the handshake (optionally re-sealing the responder's proof under her own keys). The
/// transcript signatures and the handshake AEAD must make the connect fail, with no session on
/// either side.
/// </summary>
public sealed class HandshakeManInTheMiddleTests : IDisposable
{
    private readonly AttackNetwork _net = new(seed: 3);
    private readonly EphemeralKey _towardsServer = EphemeralKey.Generate();
    private readonly EphemeralKey _towardsClient = EphemeralKey.Generate();

    public enum Swap
    {
        /// <summary>Both keys swapped, and the server's proof opened and re-sealed for the client under Mallory's keys.</summary>
        BothKeysResealed,

        /// <summary>Only the client's key is swapped; the Response is forwarded as is.</summary>
        InitiatorKeyOnly,

        /// <summary>Only the server's key is swapped in the Response.</summary>
        ResponderKeyOnly,
    }

    public void Dispose()
    {
        _net.Dispose();
        _towardsServer.Dispose();
        _towardsClient.Dispose();
    }

    [Theory]
    [InlineData(Swap.BothKeysResealed)]
    [InlineData(Swap.InitiatorKeyOnly)]
    [InlineData(Swap.ResponderKeyOnly)]
    public void Swapped_handshake_keys_fail_the_connect_and_leave_no_session(Swap swap)
    {
        AttackNode client = _net.AddNode();
        AttackNode server = _net.AddNode();
        byte[]? clientKey = null;
        int responsesTampered = 0;

        client.Socket.OnSend = (datagram, _) =>
        {
            if (datagram[0] == HandshakeLayout.InitialType)
            {
                clientKey = ManInTheMiddle.InitialKey(datagram);
                if (swap != Swap.ResponderKeyOnly)
                {
                    return Verdict.Pass(ManInTheMiddle.ReplaceInitialKey(datagram, _towardsServer));
                }
            }

            return Verdict.Pass(datagram);
        };
        client.Socket.OnReceive = (datagram, _) =>
        {
            if (datagram[0] != HandshakeLayout.HandshakeType || datagram.Length < HandshakeLayout.MinResponseSize)
            {
                return Verdict.Pass(datagram);
            }

            responsesTampered++;
            return Verdict.Pass(swap switch
            {
                Swap.BothKeysResealed => Reseal(datagram, clientKey!),
                Swap.ResponderKeyOnly => ReplaceResponseKey(datagram),
                _ => datagram,
            });
        };

        Task<Session> connect = client.Endpoint.ConnectAsync(server.Address, server.Endpoint.LocalId);
        _net.RunUntil(() => connect.IsCompleted, client.Endpoint.Options.ConnectTimeout + TimeSpan.FromSeconds(1), "the connect to fail");

        Exception error = Assert.ThrowsAny<Exception>(() => connect.GetAwaiter().GetResult());
        Assert.True(error is HandshakeFailedException or TimeoutException, $"unexpected {error}");
        Assert.True(responsesTampered > 0, "Mallory never saw a Response");
        Assert.True(client.Endpoint.Statistics.HandshakeFailures > 0);
        Assert.Empty(client.Endpoint.Sessions);
        Assert.Empty(server.Endpoint.Sessions);
        Assert.Empty(client.Handler.Established);
        Assert.Empty(server.Handler.Established);
        Assert.Equal(0, server.Endpoint.Statistics.HandshakesCompleted);

        // The server's half-open state goes away too.
        _net.RunUntil(() => server.Endpoint.Statistics.HandshakesExpired == server.Endpoint.Statistics.HandshakesStarted, TimeSpan.FromSeconds(15), "the server's pending handshake to expire");
        Assert.Empty(server.Endpoint.Sessions);
    }

    /// <summary>Opens the server's proof with Mallory's key towards the server and re-seals it, as is, under her key towards the client.</summary>
    private byte[] Reseal(byte[] response, byte[] clientKey)
    {
        var clientCid = ConnectionId.Read(response.AsSpan(HandshakeLayout.DestinationCidOffset));
        var serverCid = ConnectionId.Read(response.AsSpan(HandshakeLayout.SourceCidOffset));
        byte[] serverKey = response.AsSpan(HandshakeLayout.HandshakeKeyOffset, HandshakeLayout.EphemeralKeySize).ToArray();
        byte[] proof = ManInTheMiddle.Open(response, response.Length, HandshakeRole.Responder, _towardsServer, serverKey,
            new HandshakeTranscript(clientCid, serverCid, _towardsServer.PublicKey, serverKey));
        return ManInTheMiddle.Seal(HandshakeRole.Responder, clientCid, serverCid, _towardsClient.PublicKey, proof, _towardsClient, clientKey,
            new HandshakeTranscript(clientCid, serverCid, clientKey, _towardsClient.PublicKey));
    }

    private byte[] ReplaceResponseKey(byte[] response)
    {
        byte[] copy = (byte[])response.Clone();
        _towardsClient.PublicKey.CopyTo(copy, HandshakeLayout.HandshakeKeyOffset);
        return copy;
    }
}
