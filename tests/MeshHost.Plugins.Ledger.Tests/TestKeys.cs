using System.Security.Cryptography;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger.Tests;

/// <summary>An ECDSA P-256 key as the node's signer would hold it, for tests that need accounts without a mesh.</summary>
internal sealed class TestKey : INodeSigner, IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestKey()
    {
        ECParameters parameters = _key.ExportParameters(false);
        PublicKey = parameters.Q.X!.Concat(parameters.Q.Y!).ToArray();
        Id = PeerId.FromPublicKey(PublicKey.Span);
    }

    public PeerId Id { get; }

    public ReadOnlyMemory<byte> PublicKey { get; }

    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature) =>
        _key.SignData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        using var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = publicKey[..32].ToArray(), Y = publicKey[32..].ToArray() } });
        return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    public void Dispose() => _key.Dispose();
}
