using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MeshHost.Transport.Security;

/// <summary>
/// AES-128-GCM for one direction of one session: nonce = <c>iv XOR (0^4 || packet number u64 BE)</c>
/// (TLS 1.3, QUIC), so a nonce never repeats while packet numbers are never reused.
/// </summary>
/// <remarks>
/// The hot path: neither method allocates. Not safe for concurrent calls on one instance; a
/// session's send and receive directions are separate instances.
/// </remarks>
internal sealed class PacketProtection : IDisposable
{
    public const int KeySize = 16;
    public const int IvSize = 12;
    public const int TagSize = 16;

    private readonly AesGcm _aead;
    private readonly uint _ivHigh;
    private readonly ulong _ivLow;

    public PacketProtection(ReadOnlySpan<byte> key16, ReadOnlySpan<byte> iv12)
    {
        if (key16.Length != KeySize)
        {
            throw new ArgumentException($"The key is {KeySize} bytes.", nameof(key16));
        }

        if (iv12.Length != IvSize)
        {
            throw new ArgumentException($"The IV is {IvSize} bytes.", nameof(iv12));
        }

        _aead = new AesGcm(key16, TagSize);
        _ivHigh = BinaryPrimitives.ReadUInt32BigEndian(iv12);
        _ivLow = BinaryPrimitives.ReadUInt64BigEndian(iv12[4..]);
    }

    /// <summary>Encrypts <paramref name="payload"/> in place and writes the 16-byte tag.</summary>
    public void Seal(ulong packetNumber, ReadOnlySpan<byte> associatedData, Span<byte> payload, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[IvSize];
        WriteNonce(packetNumber, nonce);
        _aead.Encrypt(nonce, payload, payload, tag, associatedData);
    }

    /// <summary>
    /// Decrypts <paramref name="payload"/> in place. False when the tag does not match (tampered,
    /// wrong packet number or keyed for another session); the payload is then zeroed.
    /// </summary>
    public bool TryOpen(ulong packetNumber, ReadOnlySpan<byte> associatedData, Span<byte> payload, ReadOnlySpan<byte> tag) =>
        TryOpen(packetNumber, associatedData, payload, tag, payload);

    /// <summary>Opens <paramref name="ciphertext"/> into <paramref name="plaintext"/> (same length; they may be the same span); false on authentication failure.</summary>
    public bool TryOpen(ulong packetNumber, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[IvSize];
        WriteNonce(packetNumber, nonce);
        try
        {
            _aead.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public void Dispose() => _aead.Dispose();

    private void WriteNonce(ulong packetNumber, Span<byte> nonce)
    {
        BinaryPrimitives.WriteUInt32BigEndian(nonce, _ivHigh);
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], _ivLow ^ packetNumber);
    }
}
