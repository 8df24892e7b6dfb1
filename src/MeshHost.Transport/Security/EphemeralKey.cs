using System.Security.Cryptography;

namespace MeshHost.Transport.Security;

/// <summary>A handshake's ephemeral ECDH P-256 key pair; disposing it forgets the private key.</summary>
internal sealed class EphemeralKey : IDisposable
{
    private readonly ECDiffieHellman _key;

    private EphemeralKey(ECDiffieHellman key)
    {
        _key = key;
        ECParameters parameters = key.ExportParameters(includePrivateParameters: false);
        PublicKey = new byte[HandshakeLayout.EphemeralKeySize];
        parameters.Q.X!.CopyTo(PublicKey, 0);
        parameters.Q.Y!.CopyTo(PublicKey, 32);
    }

    /// <summary>The public key <c>X || Y</c>.</summary>
    public byte[] PublicKey { get; }

    public static EphemeralKey Generate() => new(ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>
    /// The raw ECDH secret (the x coordinate, 32 bytes) with <paramref name="peerPublicKey"/>; the
    /// caller zeroes it after use.
    /// </summary>
    /// <exception cref="HandshakeException">Malformed: the peer key is not a point of P-256.</exception>
    public byte[] DeriveShared(ReadOnlySpan<byte> peerPublicKey)
    {
        if (peerPublicKey.Length != HandshakeLayout.EphemeralKeySize)
        {
            throw new HandshakeException(HandshakeFailure.Malformed, "The peer's ephemeral key is not 64 bytes.");
        }

        ECDiffieHellman peer;
        try
        {
            // Import checks that the point is on the curve, which rules out invalid-curve attacks.
            peer = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = peerPublicKey[..32].ToArray(), Y = peerPublicKey[32..].ToArray() },
            });
        }
        catch (CryptographicException e)
        {
            throw new HandshakeException(HandshakeFailure.Malformed, $"The peer's ephemeral key is not a P-256 point: {e.Message}");
        }

        using (peer)
        {
            try
            {
                return _key.DeriveRawSecretAgreement(peer.PublicKey);
            }
            catch (CryptographicException e)
            {
                throw new HandshakeException(HandshakeFailure.Malformed, $"No ECDH agreement with the peer's ephemeral key: {e.Message}");
            }
        }
    }

    public void Dispose() => _key.Dispose();
}
