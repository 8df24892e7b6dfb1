using MeshHost.Transport.Security;

namespace MeshHost.Transport.Tests.Security;

/// <summary>
/// A man in the middle runs ECDH with both sides and forwards or re-seals the identity parts; the
/// transcript signatures must expose it every time.
/// </summary>
public sealed class ManInTheMiddleTests : IDisposable
{
    private readonly NodeIdentity _alice = NodeIdentity.Generate();   // initiator
    private readonly NodeIdentity _bob = NodeIdentity.Generate();     // responder
    private readonly NodeIdentity _mallory = NodeIdentity.Generate(); // attacker with an identity of its own
    private readonly EphemeralKey _towardsBob = EphemeralKey.Generate();
    private readonly EphemeralKey _towardsAlice = EphemeralKey.Generate();
    private readonly ConnectionId _aliceCid = ConnectionId.NewRandom();
    private readonly ConnectionId _bobCid = ConnectionId.NewRandom();

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
        _mallory.Dispose();
        _towardsBob.Dispose();
        _towardsAlice.Dispose();
    }

    [Fact]
    public void Swapped_ephemeral_keys_with_forwarded_identity_fail_at_the_initiator()
    {
        using var alice = new HandshakeInitiator(_alice, _aliceCid, _bob.Id);
        byte[] initial = HandshakeHarness.WriteInitial(alice, []);
        byte[] aliceKey = ManInTheMiddle.InitialKey(initial);
        using HandshakeResponder bob = CreateResponder(ManInTheMiddle.ReplaceInitialKey(initial, _towardsBob));
        byte[] bobResponse = HandshakeHarness.WriteResponse(bob);
        byte[] bobKey = ResponseKey(bobResponse);

        // Mallory opens Bob's proof with her key towards Bob and re-seals it, unchanged, towards Alice.
        byte[] proof = ManInTheMiddle.Open(bobResponse, bobResponse.Length, HandshakeRole.Responder, _towardsBob, bobKey,
            new HandshakeTranscript(_aliceCid, _bobCid, _towardsBob.PublicKey, bobKey));
        byte[] forged = ManInTheMiddle.Seal(HandshakeRole.Responder, _aliceCid, _bobCid, _towardsAlice.PublicKey, proof, _towardsAlice, aliceKey,
            new HandshakeTranscript(_aliceCid, _bobCid, aliceKey, _towardsAlice.PublicKey));

        var error = Assert.Throws<HandshakeException>(() => alice.ProcessResponse(forged));
        Assert.Equal(HandshakeFailure.BadSignature, error.Failure);
    }

    [Fact]
    public void Swapped_initiator_key_with_the_Response_forwarded_as_is_fails_to_open()
    {
        using var alice = new HandshakeInitiator(_alice, _aliceCid, null);
        byte[] initial = HandshakeHarness.WriteInitial(alice, []);
        using HandshakeResponder bob = CreateResponder(ManInTheMiddle.ReplaceInitialKey(initial, _towardsBob));

        var error = Assert.Throws<HandshakeException>(() => alice.ProcessResponse(HandshakeHarness.WriteResponse(bob)));
        Assert.Equal(HandshakeFailure.DecryptionFailed, error.Failure);
    }

    [Fact]
    public void Swapped_responder_key_with_Bob_sealed_part_forwarded_fails_to_open()
    {
        using var alice = new HandshakeInitiator(_alice, _aliceCid, null);
        byte[] initial = HandshakeHarness.WriteInitial(alice, []);
        using HandshakeResponder bob = CreateResponder(initial);
        byte[] response = HandshakeHarness.WriteResponse(bob);
        _towardsAlice.PublicKey.CopyTo(response, HandshakeLayout.HandshakeKeyOffset);

        var error = Assert.Throws<HandshakeException>(() => alice.ProcessResponse(response));
        Assert.Equal(HandshakeFailure.DecryptionFailed, error.Failure);
    }

    [Fact]
    public void Mallory_answering_as_herself_is_caught_by_a_pinned_id()
    {
        using var alice = new HandshakeInitiator(_alice, _aliceCid, _bob.Id);
        byte[] initial = HandshakeHarness.WriteInitial(alice, []);
        using HandshakeResponder mallory = HandshakeResponder.Create(_mallory, Parse(initial), _bobCid, HandshakeHarness.Observed);

        var error = Assert.Throws<HandshakeException>(() => alice.ProcessResponse(HandshakeHarness.WriteResponse(mallory)));
        Assert.Equal(HandshakeFailure.IdentityMismatch, error.Failure);
    }

    [Fact]
    public void Finish_re_sealed_by_a_man_in_the_middle_fails_at_the_responder()
    {
        // Alice does not pin, so she completes with Mallory, who tries to pass Alice's proof on to Bob
        // (identity misbinding: Bob would believe he talks to Alice).
        using var alice = new HandshakeInitiator(_alice, _aliceCid, null);
        byte[] initial = HandshakeHarness.WriteInitial(alice, []);
        byte[] aliceKey = ManInTheMiddle.InitialKey(initial);
        using HandshakeResponder bob = CreateResponder(ManInTheMiddle.ReplaceInitialKey(initial, _towardsBob));
        byte[] bobKey = ResponseKey(HandshakeHarness.WriteResponse(bob));

        var towardsAliceTranscript = new HandshakeTranscript(_aliceCid, _bobCid, aliceKey, _towardsAlice.PublicKey);
        byte[] malloryProof = new byte[HandshakeLayout.IdentityProofSize + 1];
        _mallory.PublicKey.Span.CopyTo(malloryProof);
        towardsAliceTranscript.Sign(_mallory, HandshakeRole.Responder, malloryProof.AsSpan(64, 64));
        byte[] malloryResponse = ManInTheMiddle.Seal(HandshakeRole.Responder, _aliceCid, _bobCid, _towardsAlice.PublicKey, malloryProof, _towardsAlice, aliceKey, towardsAliceTranscript);
        HandshakeResponse accepted = alice.ProcessResponse(malloryResponse);
        using SessionKeys keys = accepted.Keys;
        Assert.Equal(_mallory.Id, accepted.PeerId);

        byte[] aliceFinish = HandshakeHarness.WriteFinish(alice);
        byte[] aliceProof = ManInTheMiddle.Open(aliceFinish, aliceFinish.Length, HandshakeRole.Initiator, _towardsAlice, aliceKey, towardsAliceTranscript);
        byte[] resealed = ManInTheMiddle.Seal(HandshakeRole.Initiator, _bobCid, _aliceCid, new byte[64], aliceProof, _towardsBob, bobKey,
            new HandshakeTranscript(_aliceCid, _bobCid, _towardsBob.PublicKey, bobKey));

        var error = Assert.Throws<HandshakeException>(() => bob.ProcessFinish(resealed));
        Assert.Equal(HandshakeFailure.BadSignature, error.Failure);

        // Forwarded without re-sealing, it does not even open.
        error = Assert.Throws<HandshakeException>(() => bob.ProcessFinish(aliceFinish));
        Assert.Equal(HandshakeFailure.DecryptionFailed, error.Failure);
    }

    [Fact]
    public void Response_re_sealed_with_the_original_keys_but_another_identity_fails()
    {
        // Mallory holds Bob's handshake keys only if she is Bob's ephemeral peer; here she re-seals a
        // proof she took from a handshake with Bob into one she runs with Alice under the same CIDs.
        using var alice = new HandshakeInitiator(_alice, _aliceCid, null);
        byte[] initial = HandshakeHarness.WriteInitial(alice, []);
        byte[] aliceKey = ManInTheMiddle.InitialKey(initial);
        using HandshakeResponder bob = CreateResponder(ManInTheMiddle.ReplaceInitialKey(initial, _towardsBob));
        byte[] bobResponse = HandshakeHarness.WriteResponse(bob);
        byte[] bobKey = ResponseKey(bobResponse);
        byte[] proof = ManInTheMiddle.Open(bobResponse, bobResponse.Length, HandshakeRole.Responder, _towardsBob, bobKey,
            new HandshakeTranscript(_aliceCid, _bobCid, _towardsBob.PublicKey, bobKey));

        // Bob's real key in the header, but sealed with keys Mallory shares with Alice: cannot match either way.
        byte[] forged = ManInTheMiddle.Seal(HandshakeRole.Responder, _aliceCid, _bobCid, bobKey, proof, _towardsAlice, aliceKey,
            new HandshakeTranscript(_aliceCid, _bobCid, aliceKey, bobKey));
        var error = Assert.Throws<HandshakeException>(() => alice.ProcessResponse(forged));
        Assert.Equal(HandshakeFailure.DecryptionFailed, error.Failure);
    }

    private HandshakeResponder CreateResponder(byte[] initial) =>
        HandshakeResponder.Create(_bob, Parse(initial), _bobCid, HandshakeHarness.Observed);

    private static InitialMessage Parse(byte[] initial)
    {
        Assert.True(HandshakeParser.TryParseInitial(initial, out InitialMessage message));
        return message;
    }

    private static byte[] ResponseKey(byte[] response) =>
        response.AsSpan(HandshakeLayout.HandshakeKeyOffset, HandshakeLayout.EphemeralKeySize).ToArray();
}
