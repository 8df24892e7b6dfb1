using MeshHost.Transport.Security;

namespace MeshHost.Transport.Tests.Attacks;

/// <summary>
/// A Retry is not authenticated (docs/transport.md): anyone who learns an initiator's CID and
/// spoofs the responder's address can send one. Whatever it carries must not break the initiator.
/// </summary>
public sealed class ForgedRetryTests : IDisposable
{
    private readonly AttackNetwork _net = new(seed: 31);

    public void Dispose() => _net.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(RetryTokens.TokenSize)]
    [InlineData(3000)]
    [InlineData(65_000)]
    public async Task A_forged_Retry_with_any_token_length_neither_throws_nor_stops_the_connect(int tokenLength)
    {
        AttackNode client = _net.AddNode();
        AttackNode server = _net.AddNode();
        ConnectionId? cid = null;
        client.Socket.OnSend = (datagram, _) =>
        {
            if (datagram[0] == HandshakeLayout.InitialType)
            {
                cid ??= ConnectionId.Read(datagram.AsSpan(HandshakeLayout.InitialCidOffset));
            }

            return Verdict.Pass(datagram);
        };

        Task<Session> connect = client.Endpoint.ConnectAsync(server.Address, server.Endpoint.LocalId);
        byte[] retry = new byte[HandshakeLayout.RetryTokenOffset + tokenLength];
        new Random(tokenLength).NextBytes(retry);
        RetryTokens.WriteRetry(retry, cid!.Value, retry.AsSpan(HandshakeLayout.RetryTokenOffset).ToArray());

        // Before the real Response can arrive, from the server's address.
        client.Socket.Inject(retry, server.Address);

        _net.RunUntil(() => connect.IsCompleted, TimeSpan.FromSeconds(15), "the connect");
        if (connect.IsCompletedSuccessfully)
        {
            Assert.True((await connect.WaitAsync(TimeSpan.FromSeconds(10))).IsOpen);
        }
        else
        {
            // A usable forged Retry may cost the attempt (the server refuses the bogus token), as the
            // protocol accepts; it must end as a timeout, not as a crash.
            await Assert.ThrowsAsync<TimeoutException>(() => connect.WaitAsync(TimeSpan.FromSeconds(10)));
        }
    }
}
