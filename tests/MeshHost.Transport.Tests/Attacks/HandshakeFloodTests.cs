using System.Buffers.Binary;
using System.Net;
using MeshHost.Transport.Security;
using MeshHost.Transport.Testing;

namespace MeshHost.Transport.Tests.Attacks;

/// <summary>
/// Thousands of spoofed Initials from thousands of fake addresses: the responder's half-open state
/// stays bounded, it answers with stateless Retries once loaded, it never sends an unvalidated
/// address more than 3x what came from it, its handshake rate limit holds over simulated time,
/// and a real client still gets through (via Retry) during the flood.
/// </summary>
public sealed class HandshakeFloodTests : IDisposable
{
    private readonly AttackNetwork _net = new(seed: 5);
    private readonly SpoofedInitials _initials = new(seed: 17);
    private readonly Dictionary<int, InMemoryDatagramSocket> _attackers = [];

    public void Dispose()
    {
        foreach (InMemoryDatagramSocket socket in _attackers.Values)
        {
            socket.Dispose();
        }

        _initials.Dispose();
        _net.Dispose();
    }

    [Fact]
    public async Task A_flood_is_answered_with_Retries_within_bounded_state_and_3x_while_a_real_client_connects()
    {
        var options = new TransportOptions();
        AttackNode server = _net.AddNode(options);
        AttackNode client = _net.AddNode();
        const int Addresses = 3000;
        const int PerMillisecond = 3;
        const int Milliseconds = 2000;
        Task<Session>? connect = null;
        long maxPending = 0;

        for (int ms = 0; ms < Milliseconds; ms++)
        {
            for (int i = 0; i < PerMillisecond; i++)
            {
                SendSpoofed(((ms * PerMillisecond) + i) % Addresses, server.Address);
            }

            if (ms == Milliseconds / 4)
            {
                connect = client.Endpoint.ConnectAsync(server.Address, server.Endpoint.LocalId);
            }

            _net.Time.Advance(TimeSpan.FromMilliseconds(1));
            maxPending = Math.Max(maxPending, Pending(server.Endpoint.Statistics));
        }

        _net.RunUntil(() => connect!.IsCompleted, TimeSpan.FromSeconds(10), "the real client's connect");
        Session session = await connect!.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(session.IsOpen);
        _net.RunUntil(() => server.Handler.Established.Count == 1, TimeSpan.FromSeconds(1), "the server's side of the session");
        _net.RoundTrip(session, server, 1, DeliveryMethod.ReliableOrdered, "made it"u8.ToArray());

        EndpointStatistics stats = server.Endpoint.Statistics;
        int sent = Addresses * 2;

        // Bounded state: unvalidated handshakes stop at the threshold; only the client, whose
        // address a Retry token proved, may add one more.
        Assert.True(maxPending <= options.RetryThreshold + 1, $"{maxPending} handshakes pending at once");
        Assert.True(stats.HandshakesStarted <= options.RetryThreshold + 1, $"{stats.HandshakesStarted} handshakes started");
        Assert.True(stats.RetriesSent >= sent - options.RetryThreshold, $"only {stats.RetriesSent} Retries for {sent} Initials");

        // The client was asked to prove its address, and did.
        Assert.Contains(client.Socket.Seen(), d => !d.Outgoing && d.Data[0] == HandshakeLayout.RetryType);
        Assert.Contains(server.Socket.Seen(), d => !d.Outgoing && d.Peer.Equals(client.Address) && d.Data[0] == HandshakeLayout.InitialType && TokenLength(d.Data) > 0);

        // Never more than 3x to an address that has not proven it receives.
        Dictionary<IPEndPoint, AddressTraffic> traffic = server.Socket.Traffic();
        int spoofedSeen = 0;
        foreach (KeyValuePair<IPEndPoint, AddressTraffic> pair in traffic)
        {
            if (pair.Key.Equals(client.Address))
            {
                continue;
            }

            spoofedSeen++;
            Assert.True(pair.Value.BytesReceived > 0, $"{pair.Key} was sent to without sending anything");
            Assert.True(pair.Value.WorstExcess <= 0, $"{pair.Key}: {pair.Value.BytesSent} bytes sent for {pair.Value.BytesReceived} received");
        }

        Assert.Equal(Addresses, spoofedSeen);
        AssertWithin3xUntilValidated(server.Socket.Seen(), client.Address);

        // And the half-open state is released once the attempts time out.
        _net.Run(options.ConnectTimeout + TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(50));
        stats = server.Endpoint.Statistics;
        Assert.Equal(0, Pending(stats));
    }

    [Fact]
    public void The_handshake_rate_limit_holds_over_simulated_time()
    {
        // Threshold and session cap out of the way: only the rate limit decides.
        var options = new TransportOptions { MaxHandshakesPerSecond = 25, RetryThreshold = 1_000_000, MaxSessions = 1_000_000 };
        AttackNode server = _net.AddNode(options);
        const int Milliseconds = 3000;
        DateTimeOffset start = _net.Time.GetUtcNow();

        for (int ms = 0; ms < Milliseconds; ms++)
        {
            SendSpoofed(ms, server.Address);
            _net.Time.Advance(TimeSpan.FromMilliseconds(1));

            // A full bucket (one second's worth) at the start, then the rate.
            double seconds = (_net.Time.GetUtcNow() - start).TotalSeconds;
            long started = server.Endpoint.Statistics.HandshakesStarted;
            long allowed = options.MaxHandshakesPerSecond + (long)Math.Floor(options.MaxHandshakesPerSecond * seconds);
            Assert.True(started <= allowed, $"{started} handshakes started after {seconds:F3} s; at most {allowed} allowed");
        }

        EndpointStatistics stats = server.Endpoint.Statistics;
        Assert.True(stats.HandshakesStarted >= options.MaxHandshakesPerSecond * 3, $"only {stats.HandshakesStarted} handshakes started: the limiter refuses more than its rate");
        Assert.Equal(Milliseconds, stats.HandshakesStarted + stats.RetriesSent);
    }

    [Fact]
    public void Pending_state_stops_at_MaxSessions_when_it_is_below_the_Retry_threshold()
    {
        var options = new TransportOptions { MaxSessions = 10, RetryThreshold = 64 };
        AttackNode server = _net.AddNode(options);
        long maxPending = 0;

        for (int i = 0; i < 1000; i++)
        {
            SendSpoofed(i, server.Address);
            if (i % 10 == 9)
            {
                _net.Time.Advance(TimeSpan.FromMilliseconds(1));
                maxPending = Math.Max(maxPending, Pending(server.Endpoint.Statistics));
            }
        }

        EndpointStatistics stats = server.Endpoint.Statistics;
        Assert.Equal(options.MaxSessions, maxPending);
        Assert.Equal(1000 - options.MaxSessions, stats.HandshakesRefused);
        foreach (AddressTraffic traffic in server.Socket.Traffic().Values)
        {
            Assert.True(traffic.WorstExcess <= 0);
        }
    }

    /// <summary>Handshakes answered and neither finished nor expired (the server never initiates here).</summary>
    private static long Pending(EndpointStatistics stats) => stats.HandshakesStarted - stats.HandshakesCompleted - stats.HandshakesExpired;

    private static int TokenLength(byte[] initial) => BinaryPrimitives.ReadUInt16BigEndian(initial.AsSpan(HandshakeLayout.InitialTokenLengthOffset));

    /// <summary>Until <paramref name="peer"/> echoes a token, the server sends it at most 3x what it received from it, at every send.</summary>
    private static void AssertWithin3xUntilValidated(SeenDatagram[] seen, IPEndPoint peer)
    {
        long received = 0;
        long sent = 0;
        foreach (SeenDatagram datagram in seen)
        {
            if (!datagram.Peer.Equals(peer))
            {
                continue;
            }

            if (!datagram.Outgoing)
            {
                if (datagram.Data[0] == HandshakeLayout.InitialType && TokenLength(datagram.Data) > 0)
                {
                    return;
                }

                received += datagram.Data.Length;
            }
            else
            {
                sent += datagram.Data.Length;
                Assert.True(sent <= 3 * received, $"{sent} bytes sent to {peer} before validation, for {received} received");
            }
        }
    }

    private void SendSpoofed(int addressIndex, IPEndPoint target)
    {
        if (!_attackers.TryGetValue(addressIndex, out InMemoryDatagramSocket? socket))
        {
            socket = _net.Network.CreateSocket(SpoofedInitials.Address(addressIndex));
            _attackers.Add(addressIndex, socket);
        }

        Assert.Equal(global::MeshHost.Transport.Network.DatagramSendResult.Sent, socket.Send(_initials.Next(), target.Serialize()));
    }
}
