using System.Buffers.Binary;
using System.Net;
using MeshHost.Transport.Security;

namespace MeshHost.Transport.Tests.Attacks;

/// <summary>
/// Well-formed Initials as a flooder would send them: 1200 bytes, version 1, a random CID, a
/// genuine P-256 ephemeral key (from a small pool, since the responder cannot tell), no token;
/// and fake source addresses across 127.0.0.0/8.
/// </summary>
internal sealed class SpoofedInitials : IDisposable
{
    private readonly Random _random;
    private readonly EphemeralKey[] _keys;

    public SpoofedInitials(int seed, int keyPool = 16)
    {
        _random = new Random(seed);
        _keys = new EphemeralKey[keyPool];
        for (int i = 0; i < keyPool; i++)
        {
            _keys[i] = EphemeralKey.Generate();
        }
    }

    public byte[] Next()
    {
        byte[] initial = new byte[HandshakeLayout.MinInitialSize + _random.Next(0, 64)];
        initial[0] = HandshakeLayout.InitialType;
        initial[HandshakeLayout.InitialVersionOffset] = HandshakeLayout.Version;
        _random.NextBytes(initial.AsSpan(HandshakeLayout.InitialCidOffset, ConnectionId.Size));
        _keys[_random.Next(_keys.Length)].PublicKey.CopyTo(initial, HandshakeLayout.InitialKeyOffset);
        _random.NextBytes(initial.AsSpan(HandshakeLayout.InitialRandomOffset, HandshakeLayout.RandomSize));
        BinaryPrimitives.WriteUInt16BigEndian(initial.AsSpan(HandshakeLayout.InitialTokenLengthOffset), 0);
        return initial;
    }

    /// <summary>The <paramref name="index"/>-th fake address: 127.a.b.c on a fixed port, never 127.0.0.1.</summary>
    public static IPEndPoint Address(int index)
    {
        int n = index + 1;
        return new IPEndPoint(new IPAddress([127, (byte)(1 + (n >> 16)), (byte)(n >> 8), (byte)n]), 40_000 + (index % 1000));
    }

    public void Dispose()
    {
        foreach (EphemeralKey key in _keys)
        {
            key.Dispose();
        }
    }
}
