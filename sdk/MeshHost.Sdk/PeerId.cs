using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace MeshHost.Sdk;

/// <summary>
/// A peer's 256-bit identity as plugins see it: the SHA-256 of the peer's public key, proven by the
/// peer during the encrypted handshake, so a message's <see cref="PeerId"/> cannot be forged by
/// anyone without that peer's private key. <c>default</c> is the all-zero id, which no real peer has.
/// </summary>
public readonly struct PeerId : IEquatable<PeerId>, IComparable<PeerId>
{
    /// <summary>The size of an id in bytes.</summary>
    public const int Size = 32;

    private readonly ulong _w0;
    private readonly ulong _w1;
    private readonly ulong _w2;
    private readonly ulong _w3;

    /// <summary>Creates an id from exactly 32 bytes, most significant first.</summary>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 32 bytes long.</exception>
    public PeerId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A PeerId is {Size} bytes, not {bytes.Length}.", nameof(bytes));
        }

        _w0 = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _w1 = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _w2 = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _w3 = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    /// <summary>Writes the 32 bytes of the id, most significant first.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"A PeerId needs {Size} bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _w2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _w3);
    }

    /// <summary>The id of the node that holds <paramref name="publicKey"/>: its SHA-256 (since SDK 1.1).</summary>
    /// <param name="publicKey">A P-256 public key, <c>X || Y</c> (<see cref="INodeSigner.PublicKeySize"/> bytes).</param>
    /// <exception cref="ArgumentException"><paramref name="publicKey"/> is not 64 bytes long.</exception>
    public static PeerId FromPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != INodeSigner.PublicKeySize)
        {
            throw new ArgumentException($"A public key is {INodeSigner.PublicKeySize} bytes, not {publicKey.Length}.", nameof(publicKey));
        }

        Span<byte> hash = stackalloc byte[Size];
        SHA256.HashData(publicKey, hash);
        return new PeerId(hash);
    }

    /// <summary>The 32 bytes of the id in a new array.</summary>
    public byte[] ToArray()
    {
        byte[] bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>The 64 lowercase hex digits of the id.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>The first 8 hex digits: the form the host uses in logs and tables.</summary>
    public string ToShortString() => ((uint)(_w0 >> 32)).ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>Parses 64 hex digits (either case).</summary>
    /// <exception cref="FormatException"><paramref name="hex"/> is not 64 hex digits.</exception>
    public static PeerId Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!TryParse(hex, out PeerId id))
        {
            throw new FormatException($"A PeerId is {Size * 2} hex digits; '{hex}' is not one.");
        }

        return id;
    }

    /// <summary>Parses 64 hex digits (either case); false for anything else, including null.</summary>
    public static bool TryParse(string? hex, out PeerId id)
    {
        id = default;
        if (hex is null || hex.Length != Size * 2)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(hex, bytes, out _, out int written) != OperationStatus.Done || written != Size)
        {
            return false;
        }

        id = new PeerId(bytes);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(PeerId other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PeerId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_w0, _w1, _w2, _w3);

    /// <summary>Orders ids as big-endian unsigned numbers.</summary>
    public int CompareTo(PeerId other)
    {
        int c = _w0.CompareTo(other._w0);
        if (c != 0)
        {
            return c;
        }

        c = _w1.CompareTo(other._w1);
        return c != 0 ? c : (c = _w2.CompareTo(other._w2)) != 0 ? c : _w3.CompareTo(other._w3);
    }

    /// <summary>True when both ids are equal.</summary>
    public static bool operator ==(PeerId left, PeerId right) => left.Equals(right);

    /// <summary>True when the ids differ.</summary>
    public static bool operator !=(PeerId left, PeerId right) => !left.Equals(right);

    /// <summary>Big-endian ordering.</summary>
    public static bool operator <(PeerId left, PeerId right) => left.CompareTo(right) < 0;

    /// <summary>Big-endian ordering.</summary>
    public static bool operator <=(PeerId left, PeerId right) => left.CompareTo(right) <= 0;

    /// <summary>Big-endian ordering.</summary>
    public static bool operator >(PeerId left, PeerId right) => left.CompareTo(right) > 0;

    /// <summary>Big-endian ordering.</summary>
    public static bool operator >=(PeerId left, PeerId right) => left.CompareTo(right) >= 0;
}
