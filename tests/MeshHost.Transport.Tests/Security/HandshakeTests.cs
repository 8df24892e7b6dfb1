using System.Net;
using MeshHost.Transport.Security;

namespace MeshHost.Transport.Tests.Security;

public class HandshakeTests
{
    [Fact]
    public void Both_sides_derive_matching_keys_and_learn_each_other()
    {
        using var h = new HandshakeHarness();

        HandshakeResponse response = h.Initiator.ProcessResponse(h.Response);
        Assert.Equal(h.ResponderIdentity.Id, response.PeerId);
        Assert.Equal(h.ResponderIdentity.PublicKey.ToArray(), response.PeerPublicKey);
        Assert.Equal(h.ResponderCid, response.RemoteCid);
        Assert.Equal(HandshakeHarness.Observed, response.ObservedAddress);
        Assert.Equal(h.InitiatorCid, h.Responder.RemoteCid);
        Assert.Equal(h.ResponderCid, h.Responder.LocalCid);

        HandshakeFinish finish = h.Responder.ProcessFinish(HandshakeHarness.WriteFinish(h.Initiator));
        Assert.Equal(h.InitiatorIdentity.Id, finish.PeerId);
        Assert.Equal(h.InitiatorIdentity.PublicKey.ToArray(), finish.PeerPublicKey);

        using SessionKeys initiatorKeys = response.Keys;
        SessionKeys responderKeys = h.Responder.Keys;
        Assert.True(HandshakeHarness.Exchange(initiatorKeys.Send, responderKeys.Receive, 0));
        Assert.True(HandshakeHarness.Exchange(responderKeys.Send, initiatorKeys.Receive, 0));
        Assert.True(HandshakeHarness.Exchange(initiatorKeys.Send, responderKeys.Receive, 1UL << 33));

        // The directions use different keys, so a packet reflected back at its sender does not open.
        Assert.False(HandshakeHarness.Exchange(initiatorKeys.Send, initiatorKeys.Receive, 7));
        Assert.False(HandshakeHarness.Exchange(responderKeys.Send, responderKeys.Receive, 7));
        responderKeys.Dispose();
    }

    [Fact]
    public void Repeated_messages_are_identical()
    {
        using var h = new HandshakeHarness();
        Assert.Equal(h.Initial, HandshakeHarness.WriteInitial(h.Initiator, []));
        Assert.Equal(h.Response, HandshakeHarness.WriteResponse(h.Responder));

        using SessionKeys keys = h.Initiator.ProcessResponse(h.Response).Keys;
        byte[] finish = HandshakeHarness.WriteFinish(h.Initiator);
        Assert.Equal(finish, HandshakeHarness.WriteFinish(h.Initiator));
        Assert.Same(h.Responder.ProcessFinish(finish), h.Responder.ProcessFinish(finish));
    }

    [Fact]
    public void Initial_keeps_its_ephemeral_key_when_repeated_with_a_token()
    {
        using var h = new HandshakeHarness();
        byte[] token = [1, 2, 3, 4, 5];
        byte[] initial = HandshakeHarness.WriteInitial(h.Initiator, token);

        Assert.Equal(HandshakeLayout.MinInitialSize, initial.Length);
        Assert.Equal(h.Initial.AsSpan(0, HandshakeLayout.InitialTokenLengthOffset).ToArray(), initial.AsSpan(0, HandshakeLayout.InitialTokenLengthOffset).ToArray());
        Assert.True(HandshakeParser.TryParseInitial(initial, out InitialMessage message));
        Assert.Equal(token, message.Token.ToArray());
        Assert.Equal(h.InitiatorCid, message.InitiatorCid);
        Assert.Equal(HandshakeLayout.Version, message.Version);
    }

    [Fact]
    public void Initial_grows_past_1200_bytes_for_a_long_token()
    {
        using var h = new HandshakeHarness();
        byte[] token = new byte[1500];
        byte[] initial = HandshakeHarness.WriteInitial(h.Initiator, token);
        Assert.Equal(HandshakeLayout.InitialTokenOffset + token.Length, initial.Length);
        Assert.True(HandshakeParser.TryParseInitial(initial, out InitialMessage message));
        Assert.Equal(token.Length, message.Token.Length);
        Assert.Throws<ArgumentException>(() => h.Initiator.WriteInitial(new byte[1199], []));
    }

    [Fact]
    public void Initial_shorter_than_1200_bytes_or_inconsistent_is_rejected()
    {
        using var h = new HandshakeHarness();
        Assert.False(HandshakeParser.TryParseInitial(h.Initial.AsSpan(..1199), out _));
        Assert.False(HandshakeParser.TryParseInitial([], out _));

        byte[] wrongType = (byte[])h.Initial.Clone();
        wrongType[0] = 0x04;
        Assert.False(HandshakeParser.TryParseInitial(wrongType, out _));

        byte[] tokenPastEnd = (byte[])h.Initial.Clone();
        tokenPastEnd[HandshakeLayout.InitialTokenLengthOffset] = 0x04; // a 1279-byte token cannot fit in 1200 bytes
        tokenPastEnd[HandshakeLayout.InitialTokenLengthOffset + 1] = 0xff;
        Assert.False(HandshakeParser.TryParseInitial(tokenPastEnd, out _));
    }

    [Fact]
    public void Unknown_version_parses_but_is_refused()
    {
        using var h = new HandshakeHarness();
        using NodeIdentity responder = NodeIdentity.Generate();
        byte[] initial = (byte[])h.Initial.Clone();
        initial[HandshakeLayout.InitialVersionOffset] = 2;

        Assert.True(HandshakeParser.TryParseInitial(initial, out InitialMessage message));
        Assert.Equal(2, message.Version);
        Assert.Equal(h.InitiatorCid, message.InitiatorCid);
        var error = Assert.Throws<HandshakeException>(() => CreateResponder(responder, initial));
        Assert.Equal(HandshakeFailure.UnsupportedVersion, error.Failure);
    }

    [Fact]
    public void Ephemeral_key_that_is_not_a_curve_point_is_malformed()
    {
        using var h = new HandshakeHarness();
        using NodeIdentity responder = NodeIdentity.Generate();
        byte[] initial = (byte[])h.Initial.Clone();
        initial[HandshakeLayout.InitialKeyOffset + 63] ^= 1;
        var error = Assert.Throws<HandshakeException>(() => CreateResponder(responder, initial));
        Assert.Equal(HandshakeFailure.Malformed, error.Failure);

        initial.AsSpan(HandshakeLayout.InitialKeyOffset, 64).Clear();
        error = Assert.Throws<HandshakeException>(() => CreateResponder(responder, initial));
        Assert.Equal(HandshakeFailure.Malformed, error.Failure);
    }

    [Fact]
    public void Response_is_at_most_three_times_the_Initial()
    {
        var v6 = new IPEndPoint(IPAddress.Parse("2001:db8::1234"), 65_535);
        using var h = new HandshakeHarness(observed: v6);
        Assert.Equal(HandshakeLayout.MinInitialSize, h.Initial.Length);
        Assert.Equal(HandshakeLayout.MaxResponseSize, h.Response.Length);
        Assert.True(h.Response.Length <= 3 * h.Initial.Length);
        Assert.True(HandshakeLayout.MaxResponseSize <= 3 * HandshakeLayout.MinInitialSize);

        using SessionKeys keys = h.Initiator.ProcessResponse(h.Response).Keys;
        Assert.Equal(HandshakeLayout.FinishSize, HandshakeHarness.WriteFinish(h.Initiator).Length);
    }

    [Theory]
    [InlineData("2001:db8::1234", 443, "2001:db8::1234")]
    [InlineData("::ffff:198.51.100.9", 1, "198.51.100.9")]
    [InlineData("198.51.100.9", 0, "198.51.100.9")]
    public void Observed_address_reaches_the_initiator(string seen, int port, string reported)
    {
        using var h = new HandshakeHarness(observed: new IPEndPoint(IPAddress.Parse(seen), port));
        HandshakeResponse response = h.Initiator.ProcessResponse(h.Response);
        using SessionKeys keys = response.Keys;
        Assert.Equal(new IPEndPoint(IPAddress.Parse(reported), port), response.ObservedAddress);
    }

    [Fact]
    public void Unreported_observed_address_is_null()
    {
        using var initiatorIdentity = NodeIdentity.Generate();
        using var responderIdentity = NodeIdentity.Generate();
        using var initiator = new HandshakeInitiator(initiatorIdentity, ConnectionId.NewRandom(), null);
        byte[] initial = HandshakeHarness.WriteInitial(initiator, []);
        Assert.True(HandshakeParser.TryParseInitial(initial, out InitialMessage message));
        using var responder = HandshakeResponder.Create(responderIdentity, message, ConnectionId.NewRandom(), null);

        HandshakeResponse response = initiator.ProcessResponse(HandshakeHarness.WriteResponse(responder));
        using SessionKeys keys = response.Keys;
        Assert.Null(response.ObservedAddress);
    }

    [Fact]
    public void Pinned_identity_that_matches_completes()
    {
        using var responderIdentity = NodeIdentity.Generate();
        using var initiatorIdentity = NodeIdentity.Generate();
        using var initiator = new HandshakeInitiator(initiatorIdentity, ConnectionId.NewRandom(), responderIdentity.Id);
        byte[] initial = HandshakeHarness.WriteInitial(initiator, []);
        using HandshakeResponder responder = CreateResponder(responderIdentity, initial);

        using SessionKeys keys = initiator.ProcessResponse(HandshakeHarness.WriteResponse(responder)).Keys;
        Assert.True(initiator.IsCompleted);
    }

    [Fact]
    public void Pinned_identity_that_differs_fails_with_IdentityMismatch()
    {
        using var someoneElse = NodeIdentity.Generate();
        using var h = new HandshakeHarness(pinned: someoneElse.Id);

        var error = Assert.Throws<HandshakeException>(() => h.Initiator.ProcessResponse(h.Response));
        Assert.Equal(HandshakeFailure.IdentityMismatch, error.Failure);
        Assert.Contains(someoneElse.Id.ToShortString(), error.Message, StringComparison.Ordinal);
        Assert.False(h.Initiator.IsCompleted);
        Assert.Throws<InvalidOperationException>(() => h.Initiator.WriteFinish(new byte[1200]));
    }

    [Fact]
    public void Response_handed_to_the_responder_is_rejected()
    {
        using var h = new HandshakeHarness();
        Assert.Throws<HandshakeException>(() => h.Responder.ProcessFinish(h.Response));
    }

    [Fact]
    public void Finish_handed_to_an_initiator_is_rejected()
    {
        using var h = new HandshakeHarness();
        using SessionKeys keys = h.Initiator.ProcessResponse(h.Response).Keys;
        byte[] finish = HandshakeHarness.WriteFinish(h.Initiator);

        // To the initiator that sent it (already complete) and to a fresh one on the same CID.
        Assert.Throws<HandshakeException>(() => h.Initiator.ProcessResponse(finish));
        using var fresh = new HandshakeInitiator(h.InitiatorIdentity, h.InitiatorCid, null);
        Assert.Throws<HandshakeException>(() => fresh.ProcessResponse(finish));
    }

    [Fact]
    public void Messages_reflected_between_sides_fail_even_when_both_cids_are_equal()
    {
        // Equal CIDs defeat the routing check, so only the message contents can tell the two apart.
        using var initiatorIdentity = NodeIdentity.Generate();
        using var responderIdentity = NodeIdentity.Generate();
        var cid = ConnectionId.NewRandom();
        using var initiator = new HandshakeInitiator(initiatorIdentity, cid, null);
        using HandshakeResponder responder = CreateResponder(responderIdentity, HandshakeHarness.WriteInitial(initiator, []), cid);
        byte[] response = HandshakeHarness.WriteResponse(responder);

        Assert.Throws<HandshakeException>(() => responder.ProcessFinish(response));

        // A forged Finish-shaped datagram carrying the Response's sealed part in the Finish layout.
        byte[] reshaped = response[..HandshakeLayout.FinishSize];
        reshaped.AsSpan(HandshakeLayout.HandshakeKeyOffset, 64).Clear();
        var error = Assert.Throws<HandshakeException>(() => responder.ProcessFinish(reshaped));
        Assert.Equal(HandshakeFailure.DecryptionFailed, error.Failure);

        using SessionKeys keys = initiator.ProcessResponse(response).Keys;
        byte[] finish = HandshakeHarness.WriteFinish(initiator);
        using var second = new HandshakeInitiator(initiatorIdentity, cid, null);
        error = Assert.Throws<HandshakeException>(() => second.ProcessResponse(finish));
        Assert.Equal(HandshakeFailure.Malformed, error.Failure);

        Assert.Equal(initiatorIdentity.Id, responder.ProcessFinish(finish).PeerId);
    }

    [Fact]
    public void Response_from_an_earlier_handshake_does_not_open()
    {
        using var h = new HandshakeHarness();
        using var retry = new HandshakeInitiator(h.InitiatorIdentity, h.InitiatorCid, null);
        var error = Assert.Throws<HandshakeException>(() => retry.ProcessResponse(h.Response));
        Assert.Equal(HandshakeFailure.DecryptionFailed, error.Failure);
    }

    [Fact]
    public void Finish_from_an_earlier_handshake_does_not_open()
    {
        using var earlier = new HandshakeHarness();
        using SessionKeys keys = earlier.Initiator.ProcessResponse(earlier.Response).Keys;
        byte[] oldFinish = HandshakeHarness.WriteFinish(earlier.Initiator);

        using var initiator = new HandshakeInitiator(earlier.InitiatorIdentity, earlier.InitiatorCid, null);
        using HandshakeResponder responder = CreateResponder(earlier.ResponderIdentity, HandshakeHarness.WriteInitial(initiator, []), earlier.ResponderCid);
        var error = Assert.Throws<HandshakeException>(() => responder.ProcessFinish(oldFinish));
        Assert.Equal(HandshakeFailure.DecryptionFailed, error.Failure);
    }

    [Fact]
    public void Response_after_completion_is_unexpected()
    {
        using var h = new HandshakeHarness();
        using SessionKeys keys = h.Initiator.ProcessResponse(h.Response).Keys;
        var error = Assert.Throws<HandshakeException>(() => h.Initiator.ProcessResponse(h.Response));
        Assert.Equal(HandshakeFailure.UnexpectedMessage, error.Failure);
    }

    [Fact]
    public void Finish_may_be_followed_by_coalesced_packets()
    {
        using var h = new HandshakeHarness();
        using SessionKeys keys = h.Initiator.ProcessResponse(h.Response).Keys;
        byte[] datagram = new byte[1200];
        int finishLength = h.Initiator.WriteFinish(datagram);
        datagram.AsSpan(finishLength).Fill(0xab);

        Assert.Equal(HandshakeLayout.FinishSize, finishLength);
        Assert.Equal(h.InitiatorIdentity.Id, h.Responder.ProcessFinish(datagram).PeerId);
    }

    [Fact]
    public void Every_single_byte_change_in_the_Response_fails_cleanly()
    {
        using var h = new HandshakeHarness();
        for (int i = 0; i < h.Response.Length; i++)
        {
            foreach (byte flip in new byte[] { 0x01, 0x80 })
            {
                byte[] tampered = (byte[])h.Response.Clone();
                tampered[i] ^= flip;
                Assert.Throws<HandshakeException>(() => h.Initiator.ProcessResponse(tampered));
            }
        }

        for (int length = 0; length < h.Response.Length; length++)
        {
            Assert.Throws<HandshakeException>(() => h.Initiator.ProcessResponse(h.Response.AsSpan(0, length)));
        }

        // Rejected datagrams leave the handshake waiting for the genuine one.
        using SessionKeys keys = h.Initiator.ProcessResponse(h.Response).Keys;
    }

    [Fact]
    public void Every_single_byte_change_in_the_Finish_fails_cleanly()
    {
        using var h = new HandshakeHarness();
        using SessionKeys keys = h.Initiator.ProcessResponse(h.Response).Keys;
        byte[] finish = HandshakeHarness.WriteFinish(h.Initiator);
        for (int i = 0; i < finish.Length; i++)
        {
            foreach (byte flip in new byte[] { 0x01, 0x80 })
            {
                byte[] tampered = (byte[])finish.Clone();
                tampered[i] ^= flip;
                Assert.Throws<HandshakeException>(() => h.Responder.ProcessFinish(tampered));
            }
        }

        for (int length = 0; length < finish.Length; length++)
        {
            Assert.Throws<HandshakeException>(() => h.Responder.ProcessFinish(finish.AsSpan(0, length)));
        }

        Assert.Equal(h.InitiatorIdentity.Id, h.Responder.ProcessFinish(finish).PeerId);
    }

    [Fact]
    public void Every_single_byte_change_in_the_Initial_fails_cleanly_or_is_harmless()
    {
        using var initiatorIdentity = NodeIdentity.Generate();
        using var responderIdentity = NodeIdentity.Generate();
        var cid = ConnectionId.NewRandom();
        HandshakeInitiator initiator = new(initiatorIdentity, cid, responderIdentity.Id);
        try
        {
            for (int i = 0; i < HandshakeLayout.MinInitialSize; i++)
            {
                byte[] tampered = HandshakeHarness.WriteInitial(initiator, []);
                tampered[i] ^= 0x01;
                if (!HandshakeParser.TryParseInitial(tampered, out InitialMessage message))
                {
                    continue;
                }

                HandshakeResponder responder;
                try
                {
                    responder = HandshakeResponder.Create(responderIdentity, message, ConnectionId.NewRandom(), HandshakeHarness.Observed);
                }
                catch (HandshakeException)
                {
                    continue;
                }

                using (responder)
                {
                    HandshakeResponse response;
                    try
                    {
                        response = initiator.ProcessResponse(HandshakeHarness.WriteResponse(responder));
                    }
                    catch (HandshakeException)
                    {
                        continue;
                    }

                    // Only bytes outside the transcript (random, token length, padding) may change harmlessly.
                    Assert.True(i >= HandshakeLayout.InitialRandomOffset, $"byte {i} changed without failing the handshake");
                    using SessionKeys keys = response.Keys;
                    Assert.True(HandshakeHarness.Exchange(keys.Send, responder.Keys.Receive, 3));
                    initiator.Dispose();
                    initiator = new HandshakeInitiator(initiatorIdentity, cid, responderIdentity.Id);
                }
            }
        }
        finally
        {
            initiator.Dispose();
        }
    }

    [Fact]
    public void Responder_keys_belong_to_the_caller_only_after_the_Finish()
    {
        var abandoned = new HandshakeHarness();
        abandoned.Dispose();
        Assert.Throws<ObjectDisposedException>(() => HandshakeHarness.Exchange(abandoned.Responder.Keys.Send, abandoned.Responder.Keys.Receive, 0));

        var completed = new HandshakeHarness();
        using SessionKeys initiatorKeys = completed.Initiator.ProcessResponse(completed.Response).Keys;
        completed.Responder.ProcessFinish(HandshakeHarness.WriteFinish(completed.Initiator));
        completed.Dispose();
        using SessionKeys responderKeys = completed.Responder.Keys;
        Assert.True(HandshakeHarness.Exchange(responderKeys.Send, initiatorKeys.Receive, 0));
    }

    private static HandshakeResponder CreateResponder(NodeIdentity identity, byte[] initial, ConnectionId? localCid = null)
    {
        Assert.True(HandshakeParser.TryParseInitial(initial, out InitialMessage message));
        return HandshakeResponder.Create(identity, message, localCid ?? ConnectionId.NewRandom(), HandshakeHarness.Observed);
    }
}
