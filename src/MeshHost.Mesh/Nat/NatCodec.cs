using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MeshHost.Transport;

namespace MeshHost.Mesh.Nat;

/// <summary>The kinds of message on the NAT channel (<see cref="Protocol.MeshChannels.Nat"/>); layouts in docs/nat.md.</summary>
internal enum NatMessageType : byte
{
    Observed = 0x01,
    RelayStatus = 0x02,
    Reserve = 0x03,
    ReserveResult = 0x04,
    DialBackRequest = 0x05,
    DialBackRefused = 0x06,
    CircuitConnect = 0x10,
    CircuitOpen = 0x11,
    CircuitConnected = 0x12,
    CircuitRefused = 0x13,
    CircuitClose = 0x14,
    CircuitData = 0x15,
    PunchOffer = 0x20,
    PunchAnswer = 0x21,
}

/// <summary>One decoded NAT-channel message; <see cref="Payload"/> is valid only while the source span is.</summary>
internal ref struct NatMessage
{
    public NatMessageType Type;
    public uint Circuit;
    public NodeId Node;
    public bool Flag;
    public ulong Nonce;
    public IPEndPoint? EndPoint;
    public IPEndPoint[]? EndPoints;
    public string? Text;
    public ReadOnlySpan<byte> Payload;
}

/// <summary>Encodes and decodes NAT-channel messages. Big-endian; endpoints as family u8 (4|6), address, port u16.</summary>
internal static class NatCodec
{
    /// <summary>The most candidates one punch message carries.</summary>
    public const int MaxCandidates = 8;

    /// <summary>The longest refusal reason kept, in bytes.</summary>
    public const int MaxReasonBytes = 200;

    /// <summary>Bytes before a relayed datagram in a CircuitData frame.</summary>
    public const int DataHeaderSize = 5;

    public static byte[] Observed(IPEndPoint endPoint)
    {
        byte[] buffer = new byte[1 + 19];
        buffer[0] = (byte)NatMessageType.Observed;
        int length = 1 + WriteEndPoint(buffer.AsSpan(1), endPoint);
        return buffer[..length];
    }

    public static byte[] Flag(NatMessageType type, bool value) => [(byte)type, value ? (byte)1 : (byte)0];

    public static byte[] Simple(NatMessageType type) => [(byte)type];

    public static byte[] Circuit(NatMessageType type, uint circuit)
    {
        byte[] buffer = new byte[5];
        buffer[0] = (byte)type;
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(1), circuit);
        return buffer;
    }

    public static byte[] CircuitWithNode(NatMessageType type, uint circuit, NodeId node)
    {
        byte[] buffer = new byte[5 + NodeId.Size];
        buffer[0] = (byte)type;
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(1), circuit);
        node.WriteTo(buffer.AsSpan(5));
        return buffer;
    }

    public static byte[] Refused(uint circuit, string reason)
    {
        byte[] text = Encoding.UTF8.GetBytes(reason);
        int length = Math.Min(text.Length, MaxReasonBytes);
        byte[] buffer = new byte[5 + length];
        buffer[0] = (byte)NatMessageType.CircuitRefused;
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(1), circuit);
        text.AsSpan(0, length).CopyTo(buffer.AsSpan(5));
        return buffer;
    }

    /// <summary>Writes a CircuitData header into <paramref name="destination"/>; the datagram follows it.</summary>
    public static void WriteDataHeader(Span<byte> destination, uint circuit)
    {
        destination[0] = (byte)NatMessageType.CircuitData;
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(1), circuit);
    }

    /// <summary>A message that carries only a nonce (dial-back request and refusal).</summary>
    public static byte[] WithNonce(NatMessageType type, ulong nonce)
    {
        byte[] buffer = new byte[9];
        buffer[0] = (byte)type;
        BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(1), nonce);
        return buffer;
    }

    public static byte[] Punch(NatMessageType type, ulong nonce, IReadOnlyList<IPEndPoint> candidates)
    {
        int count = Math.Min(candidates.Count, MaxCandidates);
        byte[] buffer = new byte[1 + 8 + 1 + (count * 19)];
        buffer[0] = (byte)type;
        BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(1), nonce);
        buffer[9] = (byte)count;
        int offset = 10;
        for (int i = 0; i < count; i++)
        {
            offset += WriteEndPoint(buffer.AsSpan(offset), candidates[i]);
        }

        return buffer[..offset];
    }

    /// <summary>Decodes <paramref name="data"/>; false when it is malformed (the caller counts and drops it).</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out NatMessage message)
    {
        message = default;
        if (data.IsEmpty)
        {
            return false;
        }

        message.Type = (NatMessageType)data[0];
        ReadOnlySpan<byte> body = data.Slice(1);
        switch (message.Type)
        {
            case NatMessageType.Observed:
                return TryReadEndPoint(body, out message.EndPoint, out int used) && used == body.Length;
            case NatMessageType.RelayStatus or NatMessageType.ReserveResult:
                if (body.Length != 1 || body[0] > 1)
                {
                    return false;
                }

                message.Flag = body[0] == 1;
                return true;
            case NatMessageType.Reserve:
                return body.IsEmpty;
            case NatMessageType.DialBackRequest or NatMessageType.DialBackRefused:
                if (body.Length != 8)
                {
                    return false;
                }

                message.Nonce = BinaryPrimitives.ReadUInt64BigEndian(body);
                return true;
            case NatMessageType.CircuitConnected or NatMessageType.CircuitClose:
                if (body.Length != 4)
                {
                    return false;
                }

                message.Circuit = BinaryPrimitives.ReadUInt32BigEndian(body);
                return true;
            case NatMessageType.CircuitConnect or NatMessageType.CircuitOpen:
                if (body.Length != 4 + NodeId.Size)
                {
                    return false;
                }

                message.Circuit = BinaryPrimitives.ReadUInt32BigEndian(body);
                message.Node = new NodeId(body.Slice(4));
                return true;
            case NatMessageType.CircuitRefused:
                if (body.Length < 4 || body.Length > 4 + MaxReasonBytes)
                {
                    return false;
                }

                message.Circuit = BinaryPrimitives.ReadUInt32BigEndian(body);
                message.Text = Encoding.UTF8.GetString(body.Slice(4));
                return true;
            case NatMessageType.CircuitData:
                if (body.Length < 4)
                {
                    return false;
                }

                message.Circuit = BinaryPrimitives.ReadUInt32BigEndian(body);
                message.Payload = body.Slice(4);
                return true;
            case NatMessageType.PunchOffer or NatMessageType.PunchAnswer:
                return TryReadPunch(body, ref message);
            default:
                return false;
        }
    }

    private static bool TryReadPunch(ReadOnlySpan<byte> body, ref NatMessage message)
    {
        if (body.Length < 9)
        {
            return false;
        }

        message.Nonce = BinaryPrimitives.ReadUInt64BigEndian(body);
        int count = body[8];
        if (count > MaxCandidates)
        {
            return false;
        }

        var endPoints = new IPEndPoint[count];
        int offset = 9;
        for (int i = 0; i < count; i++)
        {
            if (!TryReadEndPoint(body.Slice(offset), out IPEndPoint? endPoint, out int used))
            {
                return false;
            }

            endPoints[i] = endPoint!;
            offset += used;
        }

        message.EndPoints = endPoints;
        return offset == body.Length;
    }

    private static int WriteEndPoint(Span<byte> destination, IPEndPoint endPoint)
    {
        IPAddress address = NatObserver.Normalize(endPoint.Address);
        bool v4 = address.AddressFamily == AddressFamily.InterNetwork;
        destination[0] = v4 ? (byte)4 : (byte)6;
        address.TryWriteBytes(destination.Slice(1), out int written);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(1 + written), (ushort)endPoint.Port);
        return 1 + written + 2;
    }

    private static bool TryReadEndPoint(ReadOnlySpan<byte> source, out IPEndPoint? endPoint, out int used)
    {
        endPoint = null;
        used = 0;
        if (source.IsEmpty)
        {
            return false;
        }

        int size = source[0] switch { 4 => 4, 6 => 16, _ => -1 };
        if (size < 0 || source.Length < 1 + size + 2)
        {
            return false;
        }

        ushort port = BinaryPrimitives.ReadUInt16BigEndian(source.Slice(1 + size));
        if (port == 0)
        {
            return false;
        }

        endPoint = new IPEndPoint(new IPAddress(source.Slice(1, size)), port);
        used = 1 + size + 2;
        return true;
    }
}
