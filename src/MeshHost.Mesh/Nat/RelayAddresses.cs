using System.Net;
using System.Net.Sockets;

namespace MeshHost.Mesh.Nat;

/// <summary>
/// The synthetic addresses that stand for relay circuits inside this process: <c>[100::n]:1</c>,
/// in the IPv6 discard-only prefix 100::/64 (RFC 6666), which no real peer can have. The
/// transport talks to a relayed peer at such an address as to any other; <see cref="RelaySocket"/>
/// carries the datagrams through the relay.
/// </summary>
internal static class RelayAddresses
{
    /// <summary>The port every circuit address uses (the index is in the address).</summary>
    public const int Port = 1;

    /// <summary>True for an address in 100::/64.</summary>
    public static bool IsRelayAddress(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return bytes[0] == 0x01 && bytes[1] == 0 && bytes.Slice(2, 6).IndexOfAnyExcept((byte)0) < 0;
    }

    /// <summary>The address of circuit <paramref name="index"/>.</summary>
    public static IPEndPoint ForIndex(ulong index)
    {
        byte[] bytes = new byte[16];
        bytes[0] = 0x01;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), index);
        return new IPEndPoint(new IPAddress(bytes), Port);
    }

    /// <summary>Reads the circuit index straight from a socket address (no allocation on the send path).</summary>
    public static bool TryGetIndex(SocketAddress address, out ulong index)
    {
        // sockaddr_in6: family u16, port u16, flow info u32, address [16], scope id u32.
        index = 0;
        if (address.Family != AddressFamily.InterNetworkV6 || address.Size < 24)
        {
            return false;
        }

        ReadOnlySpan<byte> ip = address.Buffer.Span.Slice(8, 16);
        if (ip[0] != 0x01 || ip.Slice(1, 7).IndexOfAnyExcept((byte)0) >= 0)
        {
            return false;
        }

        index = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(ip.Slice(8));
        return true;
    }

    /// <summary>The circuit index of a relay address (the low 64 bits).</summary>
    public static ulong IndexOf(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes.Slice(8));
    }
}
