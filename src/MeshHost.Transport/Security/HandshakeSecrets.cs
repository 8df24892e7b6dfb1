using System.Security.Cryptography;

namespace MeshHost.Transport.Security;

/// <summary>
/// The key schedule (docs/transport.md): <c>prk = HKDF-Extract(SHA-256("meshhost/1" || transcript), shared)</c>,
/// then one HKDF-Expand per key with an ASCII label as info.
/// </summary>
internal sealed class HandshakeSecrets : IDisposable
{
    private const int PrkSize = 32;

    private readonly byte[] _prk = new byte[PrkSize];

    public HandshakeSecrets(ReadOnlySpan<byte> shared, HandshakeTranscript transcript)
    {
        ReadOnlySpan<byte> prefix = "meshhost/1"u8;
        Span<byte> saltInput = stackalloc byte[10 + HandshakeTranscript.Size];
        prefix.CopyTo(saltInput);
        transcript.Bytes.CopyTo(saltInput[prefix.Length..]);
        Span<byte> salt = stackalloc byte[32];
        SHA256.HashData(saltInput, salt);
        HKDF.Extract(HashAlgorithmName.SHA256, shared, salt, _prk);
    }

    /// <summary>The AEAD that seals the handshake message <paramref name="sender"/> sends (nonce 0: packet number 0, zero IV).</summary>
    public PacketProtection CreateHandshakeProtection(HandshakeRole sender)
    {
        Span<byte> key = stackalloc byte[PacketProtection.KeySize];
        Span<byte> zeroIv = stackalloc byte[PacketProtection.IvSize];
        zeroIv.Clear();
        HKDF.Expand(HashAlgorithmName.SHA256, _prk, key, sender == HandshakeRole.Initiator ? "hs i"u8 : "hs r"u8);
        try
        {
            return new PacketProtection(key, zeroIv);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The data-packet keys of <paramref name="self"/>: it sends with its own labels and opens with the peer's.</summary>
    public SessionKeys CreateSessionKeys(HandshakeRole self)
    {
        HandshakeRole peer = self == HandshakeRole.Initiator ? HandshakeRole.Responder : HandshakeRole.Initiator;
        PacketProtection send = CreateDataProtection(self);
        try
        {
            return new SessionKeys(send, CreateDataProtection(peer));
        }
        catch
        {
            send.Dispose();
            throw;
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_prk);

    private PacketProtection CreateDataProtection(HandshakeRole sender)
    {
        Span<byte> key = stackalloc byte[PacketProtection.KeySize];
        Span<byte> iv = stackalloc byte[PacketProtection.IvSize];
        bool initiator = sender == HandshakeRole.Initiator;
        HKDF.Expand(HashAlgorithmName.SHA256, _prk, key, initiator ? "data i key"u8 : "data r key"u8);
        HKDF.Expand(HashAlgorithmName.SHA256, _prk, iv, initiator ? "data i iv"u8 : "data r iv"u8);
        try
        {
            return new PacketProtection(key, iv);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(iv);
        }
    }
}
