using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh.Tests.Nodes;

/// <summary>The SDK's signer over the node identity: what a plugin signs, every node can check.</summary>
public sealed class NodeSignerTests
{
    [Fact]
    public void A_signature_verifies_with_the_signers_key_only_and_the_id_is_the_keys_hash()
    {
        using var identity = NodeIdentity.Generate();
        using var other = NodeIdentity.Generate();
        using var signer = new NodeSigner(identity);
        byte[] data = "meshhost.chat/v1 hello"u8.ToArray();
        byte[] signature = new byte[INodeSigner.SignatureSize];

        signer.Sign(data, signature);

        Assert.Equal(identity.Id.ToPeerId(), signer.Id);
        Assert.Equal(signer.Id, PeerId.FromPublicKey(signer.PublicKey.Span));
        Assert.True(signer.Verify(signer.PublicKey.Span, data, signature));
        Assert.True(signer.Verify(signer.PublicKey.Span, data, signature), "a cached key verifies too");
        Assert.False(signer.Verify(other.PublicKey.Span, data, signature));
        data[0] ^= 1;
        Assert.False(signer.Verify(signer.PublicKey.Span, data, signature));
        Assert.False(signer.Verify(new byte[INodeSigner.PublicKeySize], data, signature), "not a curve point");
        Assert.False(signer.Verify(signer.PublicKey.Span[..10], data, signature), "a short key");
        Assert.False(signer.Verify(signer.PublicKey.Span, data, signature[..63]), "a short signature");
        Assert.Throws<ArgumentException>(() => PeerId.FromPublicKey(new byte[10]));
    }
}
