using System.Buffers.Binary;
using System.Net;
using MeshHost.Transport.Security;

namespace MeshHost.Transport.Tests.Attacks;

/// <summary>A valid datagram captured on the wire, and the address it came from.</summary>
internal sealed record GarbageTemplate(string Kind, byte[] Data, IPEndPoint Source);

/// <summary>
/// Deterministic (seeded) hostile datagrams: random bytes, and captured valid packets of every
/// type mutated the ways a fuzzer or an attacker would: bit flips, truncation, extension, type
/// byte changes, connection id swaps (with ids that live state really uses), length fields made
/// consistent with a new size, and coalesced splices. Never returns a template unchanged.
/// </summary>
internal sealed class GarbageGenerator
{
    private static readonly byte[] Types = [0x00, PacketTypes.Initial, PacketTypes.Retry, PacketTypes.Handshake, PacketTypes.Data, PacketTypes.Unconnected, 0x06, 0x07, 0xff];

    private readonly Random _random;
    private readonly GarbageTemplate[] _templates;
    private readonly ConnectionId[] _cids;
    private readonly IPEndPoint[] _sources;

    public GarbageGenerator(int seed, IReadOnlyList<GarbageTemplate> templates, IReadOnlyList<ConnectionId> cids, IReadOnlyList<IPEndPoint> sources)
    {
        _random = new Random(seed);
        _templates = [.. templates];
        _cids = [.. cids];
        _sources = [.. sources];
    }

    /// <summary>Writes the next datagram into <paramref name="buffer"/> (at least 65,507 bytes) and returns its length and source.</summary>
    public int Next(byte[] buffer, out IPEndPoint source)
    {
        if (_random.Next(10) == 0)
        {
            source = PickSource(null);
            return RandomBytes(buffer);
        }

        GarbageTemplate template = _templates[_random.Next(_templates.Length)];
        source = PickSource(template.Source);
        template.Data.CopyTo(buffer, 0);
        int length = template.Data.Length;
        int operations = 1 + (_random.Next(4) == 0 ? _random.Next(1, 3) : 0);
        for (int i = 0; i < operations; i++)
        {
            length = Mutate(buffer, length);
        }

        if (buffer.AsSpan(0, length).SequenceEqual(template.Data))
        {
            buffer[_random.Next(length)] ^= (byte)(1 << _random.Next(8));
        }

        return length;
    }

    private IPEndPoint PickSource(IPEndPoint? own) => _random.Next(10) switch
    {
        < 5 when own is not null => own,
        < 8 => _sources[_random.Next(_sources.Length)],
        _ => new IPEndPoint(new IPAddress([127, (byte)_random.Next(1, 256), (byte)_random.Next(256), (byte)_random.Next(1, 255)]), _random.Next(1, 65536)),
    };

    private int RandomBytes(byte[] buffer)
    {
        int length = _random.Next(8) switch
        {
            0 => _random.Next(0, 16),
            1 => _random.Next(1200, 1400),
            2 => _random.Next(1400, buffer.Length > 65_507 ? 65_507 : buffer.Length),
            _ => _random.Next(16, 1200),
        };
        _random.NextBytes(buffer.AsSpan(0, length));
        if (length > 0 && _random.Next(2) == 0)
        {
            buffer[0] = Types[_random.Next(Types.Length)];
        }

        return length;
    }

    private int Mutate(byte[] buffer, int length)
    {
        switch (_random.Next(9))
        {
            case 0:
            case 1:
            {
                // Bit flips.
                int flips = 1 + _random.Next(8);
                for (int i = 0; i < flips && length > 0; i++)
                {
                    buffer[_random.Next(length)] ^= (byte)(1 << _random.Next(8));
                }

                return length;
            }

            case 2:
                // Truncation, often to just around a header boundary.
                return length == 0 ? 0 : _random.Next(2) == 0 ? _random.Next(length) : Math.Min(length - 1, _random.Next(0, 40));

            case 3:
            {
                // Extension with random bytes or zeros.
                int extra = _random.Next(4) == 0 ? _random.Next(1, 4000) : _random.Next(1, 64);
                extra = Math.Min(extra, 65_507 - length);
                if (_random.Next(2) == 0)
                {
                    _random.NextBytes(buffer.AsSpan(length, extra));
                }
                else
                {
                    buffer.AsSpan(length, extra).Clear();
                }

                return length + extra;
            }

            case 4:
                // Another type byte.
                if (length > 0)
                {
                    buffer[0] = Types[_random.Next(Types.Length)];
                }

                return length;

            case 5:
            case 6:
            {
                // A connection id that live state uses (or a random one), where some packet type keeps one.
                int offset = _random.Next(3) switch
                {
                    0 => 1,                                   // Data, Handshake destination, Retry
                    1 => HandshakeLayout.InitialCidOffset,    // Initial
                    _ => HandshakeLayout.SourceCidOffset,     // Handshake source
                };
                if (length >= offset + ConnectionId.Size)
                {
                    ConnectionId cid = _random.Next(5) == 0 ? new ConnectionId((ulong)_random.NextInt64()) : _cids[_random.Next(_cids.Length)];
                    cid.WriteTo(buffer.AsSpan(offset));
                }

                return length;
            }

            case 7:
                return RewriteLengthField(buffer, length);

            default:
            {
                // Two packets coalesced into one datagram.
                GarbageTemplate other = _templates[_random.Next(_templates.Length)];
                int take = Math.Min(other.Data.Length, 65_507 - length);
                other.Data.AsSpan(0, take).CopyTo(buffer.AsSpan(length));
                return length + take;
            }
        }
    }

    /// <summary>Sets the token length of an Initial or a Retry to a random value, usually growing the datagram to match.</summary>
    private int RewriteLengthField(byte[] buffer, int length)
    {
        if (length == 0)
        {
            return 0;
        }

        int offset = buffer[0] == PacketTypes.Retry ? HandshakeLayout.RetryTokenLengthOffset : HandshakeLayout.InitialTokenLengthOffset;
        int tokenStart = offset + 2;
        int token = _random.Next(4) switch
        {
            0 => _random.Next(0, 64),
            1 => _random.Next(64, 4000),
            2 => _random.Next(4000, 65_507 - tokenStart),
            _ => RetryTokens.TokenSize,
        };
        if (length < tokenStart)
        {
            return length;
        }

        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(offset), (ushort)token);
        if (_random.Next(4) != 0 && tokenStart + token > length)
        {
            // Make the datagram as long as the field says, so that parsers get past the length check.
            _random.NextBytes(buffer.AsSpan(length, tokenStart + token - length));
            return tokenStart + token;
        }

        if (_random.Next(2) == 0 && buffer[0] == PacketTypes.Retry)
        {
            return Math.Min(tokenStart + token, 65_507);
        }

        return length;
    }
}
