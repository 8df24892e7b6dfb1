using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace MeshHost.Transport.Security;

/// <summary>
/// Stateless address validation (docs/transport.md, Retry): a token is
/// <c>issued-at u64 ms || HMAC-SHA256(secret, issued-at || client address || initiator CID)[0..16]</c>,
/// which only this endpoint can mint or check, so a responder keeps no state for an address
/// until that address has shown it can receive.
/// </summary>
/// <remarks>
/// Thread-safe. The secret is random and replaced every lifetime; the previous one is still
/// accepted, so a token stays valid for its whole lifetime across a rotation. Issued-at comes from
/// the <see cref="TimeProvider"/>'s monotonic timestamp, which only this endpoint ever reads, so
/// wall-clock steps do not matter.
/// </remarks>
internal sealed class RetryTokens
{
    public const int MacSize = 16;
    public const int TokenSize = sizeof(ulong) + MacSize;

    private const int SecretSize = 32;
    private const int MaxAddressSize = 128;

    private readonly TimeProvider _time;
    private readonly long _lifetimeMs;
    private Secrets _secrets;

    public RetryTokens(TimeProvider time, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(lifetime, TimeSpan.FromMilliseconds(1));
        _time = time;
        _lifetimeMs = (long)lifetime.TotalMilliseconds;
        _secrets = new Secrets(RandomNumberGenerator.GetBytes(SecretSize), null, NowMilliseconds());
    }

    /// <summary>Writes a token for <paramref name="clientAddress"/> and <paramref name="initiatorCid"/>; returns its length (24).</summary>
    public int Issue(Span<byte> destination, SocketAddress clientAddress, ConnectionId initiatorCid)
    {
        ArgumentNullException.ThrowIfNull(clientAddress);
        if (destination.Length < TokenSize)
        {
            throw new ArgumentException($"A token needs {TokenSize} bytes.", nameof(destination));
        }

        long now = NowMilliseconds();
        Secrets secrets = CurrentSecrets(now);
        BinaryPrimitives.WriteUInt64BigEndian(destination, (ulong)now);
        Span<byte> mac = stackalloc byte[MacSize];
        ComputeMac(secrets.Current, destination[..sizeof(ulong)], clientAddress, initiatorCid, mac);
        mac.CopyTo(destination[sizeof(ulong)..]);
        return TokenSize;
    }

    /// <summary>Whether <paramref name="token"/> was issued here, less than a lifetime ago, for this address and CID.</summary>
    public bool Validate(ReadOnlySpan<byte> token, SocketAddress clientAddress, ConnectionId initiatorCid)
    {
        ArgumentNullException.ThrowIfNull(clientAddress);
        if (token.Length != TokenSize)
        {
            return false;
        }

        long now = NowMilliseconds();
        ulong issuedAt = BinaryPrimitives.ReadUInt64BigEndian(token);
        if (issuedAt > (ulong)now || (ulong)now - issuedAt > (ulong)_lifetimeMs)
        {
            return false;
        }

        Secrets secrets = CurrentSecrets(now);
        ReadOnlySpan<byte> presented = token[sizeof(ulong)..];
        Span<byte> mac = stackalloc byte[MacSize];
        ComputeMac(secrets.Current, token[..sizeof(ulong)], clientAddress, initiatorCid, mac);
        bool valid = CryptographicOperations.FixedTimeEquals(mac, presented);
        if (secrets.Previous is not null)
        {
            ComputeMac(secrets.Previous, token[..sizeof(ulong)], clientAddress, initiatorCid, mac);
            valid |= CryptographicOperations.FixedTimeEquals(mac, presented);
        }

        return valid;
    }

    /// <summary>Writes the whole Retry datagram (type 0x02) and returns its length.</summary>
    public static int WriteRetry(Span<byte> destination, ConnectionId initiatorCid, ReadOnlySpan<byte> token)
    {
        if (token.IsEmpty || token.Length > ushort.MaxValue)
        {
            throw new ArgumentException("A Retry token is 1 to 65535 bytes.", nameof(token));
        }

        int length = HandshakeLayout.RetryTokenOffset + token.Length;
        if (destination.Length < length)
        {
            throw new ArgumentException($"This Retry needs {length} bytes.", nameof(destination));
        }

        destination[0] = HandshakeLayout.RetryType;
        initiatorCid.WriteTo(destination[1..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[HandshakeLayout.RetryTokenLengthOffset..], (ushort)token.Length);
        token.CopyTo(destination[HandshakeLayout.RetryTokenOffset..]);
        return length;
    }

    private long NowMilliseconds()
    {
        // Split so that ticks * 1000 cannot overflow after a long uptime.
        long ticks = _time.GetTimestamp();
        long frequency = _time.TimestampFrequency;
        return (ticks / frequency * 1000) + (ticks % frequency * 1000 / frequency);
    }

    // A rotation is at least a lifetime after the previous one, so a token's secret is still
    // current or previous for its whole lifetime.
    private Secrets CurrentSecrets(long now)
    {
        Secrets secrets = Volatile.Read(ref _secrets);
        if (now - secrets.RotatedAt >= _lifetimeMs)
        {
            var next = new Secrets(RandomNumberGenerator.GetBytes(SecretSize), secrets.Current, now);
            Interlocked.CompareExchange(ref _secrets, next, secrets);
            secrets = Volatile.Read(ref _secrets);
        }

        return secrets;
    }

    private static void ComputeMac(byte[] secret, ReadOnlySpan<byte> issuedAt, SocketAddress clientAddress, ConnectionId initiatorCid, Span<byte> mac)
    {
        int addressSize = clientAddress.Size;
        if (addressSize > MaxAddressSize)
        {
            throw new ArgumentException($"A {addressSize}-byte socket address is not an IP endpoint.", nameof(clientAddress));
        }

        Span<byte> input = stackalloc byte[sizeof(ulong) + MaxAddressSize + ConnectionId.Size];
        issuedAt.CopyTo(input);
        Span<byte> address = input.Slice(sizeof(ulong), addressSize);
        clientAddress.Buffer.Span[..addressSize].CopyTo(address);

        // sockaddr_in6 carries a flow label (bytes 4..8) that may differ between datagrams of one client.
        if (clientAddress.Family == AddressFamily.InterNetworkV6 && addressSize >= 8)
        {
            address[4..8].Clear();
        }

        initiatorCid.WriteTo(input[(sizeof(ulong) + addressSize)..]);
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, input[..(sizeof(ulong) + addressSize + ConnectionId.Size)], hash);
        hash[..MacSize].CopyTo(mac);
    }

    private sealed class Secrets(byte[] current, byte[]? previous, long rotatedAt)
    {
        public byte[] Current { get; } = current;

        public byte[]? Previous { get; } = previous;

        public long RotatedAt { get; } = rotatedAt;
    }
}
