using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MeshHost.Transport;

/// <summary>
/// The 8 random bytes a session's receiver chose; every packet it receives carries them, so
/// sessions are found by id rather than by address and survive a NAT rebinding.
/// </summary>
public readonly record struct ConnectionId(ulong Value)
{
    /// <summary>The size on the wire in bytes.</summary>
    public const int Size = 8;

    /// <summary>A fresh id from the cryptographic random number generator.</summary>
    public static ConnectionId NewRandom()
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        return new ConnectionId(BinaryPrimitives.ReadUInt64BigEndian(bytes));
    }

    /// <summary>Reads an id from the first 8 bytes of <paramref name="source"/>.</summary>
    public static ConnectionId Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt64BigEndian(source));

    /// <summary>Writes the id into the first 8 bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt64BigEndian(destination, Value);

    /// <inheritdoc/>
    public override string ToString() => Value.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}
