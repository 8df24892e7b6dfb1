using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using MeshHost.Transport.Network;

namespace MeshHost.Transport.Testing;

/// <summary>
/// An IP endpoint as a value, so that the in-memory network finds sockets and links from a
/// <see cref="SocketAddress"/> without allocating. IPv4-mapped IPv6 addresses are stored as IPv4.
/// The IPv6 scope id is ignored.
/// </summary>
internal readonly record struct EndPointKey(bool IsIPv6, UInt128 Address, ushort Port)
{
    public static bool TryCreate(SocketAddress address, out EndPointKey key)
    {
        if (address.Family == AddressFamily.InterNetwork && address.Size >= 8)
        {
            key = new EndPointKey(false, SocketAddressLayout.GetIPv4Address(address), SocketAddressLayout.GetPort(address));
            return true;
        }

        if (address.Family == AddressFamily.InterNetworkV6 && address.Size >= 24)
        {
            UInt128 bits = SocketAddressLayout.GetIPv6Address(address);
            key = SocketAddressLayout.IsIPv4MappedIPv6(address)
                ? new EndPointKey(false, (uint)bits, SocketAddressLayout.GetPort(address))
                : new EndPointKey(true, bits, SocketAddressLayout.GetPort(address));
            return true;
        }

        key = default;
        return false;
    }

    public static EndPointKey From(IPEndPoint endPoint)
    {
        IPAddress address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4
            ? new EndPointKey(false, BinaryPrimitives.ReadUInt32BigEndian(bytes), (ushort)endPoint.Port)
            : new EndPointKey(true, BinaryPrimitives.ReadUInt128BigEndian(bytes), (ushort)endPoint.Port);
    }

    /// <summary>Writes this endpoint into <paramref name="address"/>, which must be of the matching family.</summary>
    public void WriteTo(SocketAddress address)
    {
        if (IsIPv6)
        {
            SocketAddressLayout.WriteIPv6(address, Address, Port);
        }
        else
        {
            SocketAddressLayout.WriteIPv4(address, (uint)Address, Port);
        }
    }
}
