using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace MeshHost.Transport.Network;

/// <summary>
/// Reads and rewrites <see cref="SocketAddress"/> bytes in place, so that the hot paths never turn
/// an address into an <see cref="IPEndPoint"/> (which allocates). The offsets are those of
/// <c>sockaddr_in</c> and <c>sockaddr_in6</c>, identical on Linux, Windows and macOS after the
/// family field; the family itself is left to <see cref="SocketAddress"/>, which knows each
/// platform's encoding.
/// </summary>
internal static class SocketAddressLayout
{
    private const int PortOffset = 2;
    private const int IPv4AddressOffset = 4;
    private const int IPv6AddressOffset = 8;
    private const int IPv4Size = 16;
    private const int IPv6Size = 28;

    /// <summary>A copy of <paramref name="address"/> to keep (the socket reuses the one it passes).</summary>
    public static SocketAddress Copy(SocketAddress address)
    {
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span.Slice(0, address.Size).CopyTo(copy.Buffer.Span);
        return copy;
    }

    /// <summary>The address as an <see cref="IPEndPoint"/> (allocates: for the rare paths that need one).</summary>
    public static IPEndPoint ToEndPoint(SocketAddress address)
    {
        IPEndPoint template = address.Family == AddressFamily.InterNetworkV6
            ? new IPEndPoint(IPAddress.IPv6Any, 0)
            : new IPEndPoint(IPAddress.Any, 0);
        return (IPEndPoint)template.Create(address);
    }

    public static ushort GetPort(SocketAddress address) =>
        BinaryPrimitives.ReadUInt16BigEndian(address.Buffer.Span.Slice(PortOffset, 2));

    /// <summary>The 4 address bytes of an IPv4 address, big-endian.</summary>
    public static uint GetIPv4Address(SocketAddress address) =>
        BinaryPrimitives.ReadUInt32BigEndian(address.Buffer.Span.Slice(IPv4AddressOffset, 4));

    /// <summary>The 16 address bytes of an IPv6 address, big-endian.</summary>
    public static UInt128 GetIPv6Address(SocketAddress address) =>
        BinaryPrimitives.ReadUInt128BigEndian(address.Buffer.Span.Slice(IPv6AddressOffset, 16));

    /// <summary>Whether <paramref name="address"/> is an IPv6 address of the form ::ffff:a.b.c.d.</summary>
    public static bool IsIPv4MappedIPv6(SocketAddress address)
    {
        if (address.Family != AddressFamily.InterNetworkV6 || address.Size < IPv6Size)
        {
            return false;
        }

        ReadOnlySpan<byte> bytes = address.Buffer.Span.Slice(IPv6AddressOffset, 12);
        return bytes[..10].IndexOfAnyExcept((byte)0) < 0 && bytes[10] == 0xff && bytes[11] == 0xff;
    }

    /// <summary>Writes the IPv4 address behind the mapped IPv6 <paramref name="mapped"/> into <paramref name="destination"/>.</summary>
    public static void Unmap(SocketAddress mapped, SocketAddress destination)
    {
        ReadOnlySpan<byte> source = mapped.Buffer.Span;
        Span<byte> target = destination.Buffer.Span;
        destination.Size = IPv4Size;
        source.Slice(PortOffset, 2).CopyTo(target.Slice(PortOffset, 2));
        source.Slice(IPv6AddressOffset + 12, 4).CopyTo(target.Slice(IPv4AddressOffset, 4));
        target[(IPv4AddressOffset + 4)..IPv4Size].Clear();
    }

    /// <summary>Writes <paramref name="ipv4"/> as ::ffff:a.b.c.d into the IPv6 <paramref name="destination"/>.</summary>
    public static void MapToIPv6(SocketAddress ipv4, SocketAddress destination)
    {
        ReadOnlySpan<byte> source = ipv4.Buffer.Span;
        Span<byte> target = destination.Buffer.Span;
        destination.Size = IPv6Size;
        source.Slice(PortOffset, 2).CopyTo(target.Slice(PortOffset, 2));
        target.Slice(PortOffset + 2, 4).Clear();                 // flow info
        target.Slice(IPv6AddressOffset, 10).Clear();
        target[IPv6AddressOffset + 10] = 0xff;
        target[IPv6AddressOffset + 11] = 0xff;
        source.Slice(IPv4AddressOffset, 4).CopyTo(target.Slice(IPv6AddressOffset + 12, 4));
        target.Slice(IPv6AddressOffset + 16, 4).Clear();         // scope id
    }

    /// <summary>Sets an IPv4 <paramref name="destination"/> to <paramref name="address"/>:<paramref name="port"/>.</summary>
    public static void WriteIPv4(SocketAddress destination, uint address, ushort port)
    {
        Span<byte> target = destination.Buffer.Span;
        destination.Size = IPv4Size;
        BinaryPrimitives.WriteUInt16BigEndian(target.Slice(PortOffset, 2), port);
        BinaryPrimitives.WriteUInt32BigEndian(target.Slice(IPv4AddressOffset, 4), address);
        target[(IPv4AddressOffset + 4)..IPv4Size].Clear();
    }

    /// <summary>Sets an IPv6 <paramref name="destination"/> to [<paramref name="address"/>]:<paramref name="port"/> (no flow info, scope 0).</summary>
    public static void WriteIPv6(SocketAddress destination, UInt128 address, ushort port)
    {
        Span<byte> target = destination.Buffer.Span;
        destination.Size = IPv6Size;
        BinaryPrimitives.WriteUInt16BigEndian(target.Slice(PortOffset, 2), port);
        target.Slice(PortOffset + 2, 4).Clear();
        BinaryPrimitives.WriteUInt128BigEndian(target.Slice(IPv6AddressOffset, 16), address);
        target.Slice(IPv6AddressOffset + 16, 4).Clear();
    }
}
