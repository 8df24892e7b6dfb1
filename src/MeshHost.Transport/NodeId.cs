using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;

namespace MeshHost.Transport;

/// <summary>
/// A node's 256-bit identifier: SHA-256 of its 64-byte identity public key, so that nobody can
/// claim an id without holding the matching private key. Ids order as big-endian unsigned numbers
/// and measure distance by XOR (Kademlia).
/// </summary>
/// <remarks>
/// Held as four big-endian words so that equality, ordering and XOR take four operations instead
/// of 32. <c>default</c> is the all-zero id.
/// </remarks>
public readonly struct NodeId : IEquatable<NodeId>, IComparable<NodeId>
{
    /// <summary>The size of an id in bytes.</summary>
    public const int Size = 32;

    // _w0 holds bytes 0..7, the most significant ones.
    private readonly ulong _w0;
    private readonly ulong _w1;
    private readonly ulong _w2;
    private readonly ulong _w3;

    /// <summary>Creates an id from exactly <see cref="Size"/> bytes, most significant first.</summary>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 32 bytes long.</exception>
    public NodeId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A NodeId is {Size} bytes, not {bytes.Length}.", nameof(bytes));
        }

        _w0 = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _w1 = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _w2 = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _w3 = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    private NodeId(ulong w0, ulong w1, ulong w2, ulong w3)
    {
        _w0 = w0;
        _w1 = w1;
        _w2 = w2;
        _w3 = w3;
    }

    /// <summary>The id of the node whose identity public key is <paramref name="publicKey"/>.</summary>
    /// <param name="publicKey">The 64-byte P-256 public key <c>X || Y</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="publicKey"/> is not 64 bytes long.</exception>
    public static NodeId FromPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != NodeIdentity.PublicKeySize)
        {
            throw new ArgumentException(
                $"An identity public key is {NodeIdentity.PublicKeySize} bytes (X || Y), not {publicKey.Length}.",
                nameof(publicKey));
        }

        Span<byte> hash = stackalloc byte[Size];
        SHA256.HashData(publicKey, hash);
        return new NodeId(hash);
    }

    /// <summary>A random id for simulations and tests; real ids come from <see cref="FromPublicKey"/>.</summary>
    public static NodeId Random(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> bytes = stackalloc byte[Size];
        random.NextBytes(bytes);
        return new NodeId(bytes);
    }

    /// <summary>Writes the 32 bytes of the id, most significant first.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"A NodeId needs {Size} bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _w2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _w3);
    }

    /// <summary>The 32 bytes of the id in a new array, most significant first.</summary>
    public byte[] ToArray()
    {
        byte[] bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Number of leading zero bits (0..256): for <c>a ^ b</c>, the length of the common prefix of a and b.</summary>
    public int LeadingZeroBitCount()
    {
        if (_w0 != 0)
        {
            return BitOperations.LeadingZeroCount(_w0);
        }

        if (_w1 != 0)
        {
            return 64 + BitOperations.LeadingZeroCount(_w1);
        }

        if (_w2 != 0)
        {
            return 128 + BitOperations.LeadingZeroCount(_w2);
        }

        return 192 + BitOperations.LeadingZeroCount(_w3);
    }

    /// <summary>The 64 lowercase hex digits of the id.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>The first 8 hex digits, the form used in logs.</summary>
    public string ToShortString() => ((uint)(_w0 >> 32)).ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>Parses 64 hex digits (either case).</summary>
    /// <exception cref="FormatException"><paramref name="hex"/> is not 64 hex digits.</exception>
    public static NodeId Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!TryParse(hex, out NodeId id))
        {
            throw new FormatException($"A NodeId is {Size * 2} hex digits; '{hex}' is not one.");
        }

        return id;
    }

    /// <summary>Parses 64 hex digits (either case); false for anything else, including null.</summary>
    public static bool TryParse(string? hex, out NodeId id)
    {
        id = default;
        if (hex is null || hex.Length != Size * 2)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(hex, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != Size)
        {
            return false;
        }

        id = new NodeId(bytes);
        return true;
    }

    /// <summary>The XOR distance between two ids.</summary>
    public static NodeId operator ^(NodeId a, NodeId b) =>
        new(a._w0 ^ b._w0, a._w1 ^ b._w1, a._w2 ^ b._w2, a._w3 ^ b._w3);

    /// <summary>Equality of all 256 bits.</summary>
    public static bool operator ==(NodeId left, NodeId right) => left.Equals(right);

    /// <summary>Inequality of any of the 256 bits.</summary>
    public static bool operator !=(NodeId left, NodeId right) => !left.Equals(right);

    /// <summary>Big-endian unsigned order.</summary>
    public static bool operator <(NodeId left, NodeId right) => left.CompareTo(right) < 0;

    /// <summary>Big-endian unsigned order.</summary>
    public static bool operator <=(NodeId left, NodeId right) => left.CompareTo(right) <= 0;

    /// <summary>Big-endian unsigned order.</summary>
    public static bool operator >(NodeId left, NodeId right) => left.CompareTo(right) > 0;

    /// <summary>Big-endian unsigned order.</summary>
    public static bool operator >=(NodeId left, NodeId right) => left.CompareTo(right) >= 0;

    /// <inheritdoc/>
    public bool Equals(NodeId other) =>
        _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is NodeId other && Equals(other);

    /// <summary>Compares as big-endian unsigned 256-bit numbers.</summary>
    public int CompareTo(NodeId other)
    {
        if (_w0 != other._w0)
        {
            return _w0 < other._w0 ? -1 : 1;
        }

        if (_w1 != other._w1)
        {
            return _w1 < other._w1 ? -1 : 1;
        }

        if (_w2 != other._w2)
        {
            return _w2 < other._w2 ? -1 : 1;
        }

        return _w3.CompareTo(other._w3);
    }

    // HashCode is seeded per process: ids are cheap to grind for chosen low bits when records are
    // keyed by arbitrary ids, so a fixed fold would invite hash flooding.
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_w0, _w1, _w2, _w3);
}
