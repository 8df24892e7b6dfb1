using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Chat;

/// <summary>Why a received message was refused.</summary>
internal enum MessageVerdict
{
    Valid,
    Malformed,
    TooLarge,
    BadSignature,
    FromTheFuture,
}

/// <summary>
/// Builds, signs and checks <see cref="ChatMessage"/>s. The signed bytes are a fixed layout, not the
/// MessagePack encoding, so a verifier never depends on how an encoder orders or sizes fields.
/// </summary>
internal static class ChatCodec
{
    /// <summary>Prefixes every signed message, so a chat signature is never valid as anything else.</summary>
    private static ReadOnlySpan<byte> Domain => "meshhost.chat/v1\n"u8;

    /// <summary>
    /// <c>domain | hlc u64 BE | author 64 | recipient (0 or 32) | len u16 + room | len u16 + nick | len u32 + text</c>,
    /// with the lengths in UTF-8 bytes, big-endian.
    /// </summary>
    public static byte[] SignedBytes(string room, ReadOnlySpan<byte> author, ulong hlc, string nick, string text, ReadOnlySpan<byte> recipient)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.Write(Domain);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(number, hlc);
        buffer.Write(number);
        buffer.Write(author);
        buffer.Write([(byte)recipient.Length]);
        buffer.Write(recipient);
        WriteText(buffer, room);
        WriteText(buffer, nick);
        WriteText(buffer, text);
        return buffer.WrittenSpan.ToArray();
    }

    public static ChatMessage Create(INodeSigner signer, string room, ulong hlc, string nick, string text, PeerId? recipient)
    {
        byte[] author = signer.PublicKey.ToArray();
        byte[] to = recipient?.ToArray() ?? [];
        byte[] signed = SignedBytes(room, author, hlc, nick, text, to);
        byte[] signature = new byte[INodeSigner.SignatureSize];
        signer.Sign(signed, signature);
        return new ChatMessage
        {
            Id = IdOf(signed),
            Room = room,
            Author = author,
            Hlc = hlc,
            Nick = nick,
            Text = text,
            Recipient = to,
            Signature = signature,
        };
    }

    /// <summary>Checks shape, size, clock and signature; never throws.</summary>
    public static MessageVerdict Verify(INodeSigner verifier, ChatMessage message, ChatOptions options, ulong maxHlc)
    {
        if (message.Id is not { Length: ChatLimits.IdSize }
            || message.Author is not { Length: INodeSigner.PublicKeySize }
            || message.Signature is not { Length: INodeSigner.SignatureSize }
            || message.Recipient is not ({ Length: 0 } or { Length: PeerId.Size })
            || message.Room is null || message.Nick is null || message.Text is null
            || (message.Recipient.Length == 0) != ChatLimits.IsValidRoom(message.Room)
            || (message.Recipient.Length != 0 && message.Room.Length != 0))
        {
            return MessageVerdict.Malformed;
        }

        if (message.Nick.Length > ChatLimits.MaxNickLength || Encoding.UTF8.GetByteCount(message.Text) > options.MaxTextBytes)
        {
            return MessageVerdict.TooLarge;
        }

        if (message.Hlc > maxHlc)
        {
            return MessageVerdict.FromTheFuture;
        }

        byte[] signed = SignedBytes(message.Room, message.Author, message.Hlc, message.Nick, message.Text, message.Recipient);
        Span<byte> id = stackalloc byte[ChatLimits.IdSize];
        IdOf(signed, id);
        return id.SequenceEqual(message.Id) && verifier.Verify(message.Author, signed, message.Signature)
            ? MessageVerdict.Valid
            : MessageVerdict.BadSignature;
    }

    public static PeerId AuthorId(ChatMessage message) => PeerId.FromPublicKey(message.Author);

    /// <summary>A nick with control characters removed and cut to the limit: people see it, so it must not move their cursor.</summary>
    public static string CleanNick(string nick)
    {
        var builder = new StringBuilder(Math.Min(nick.Length, ChatLimits.MaxNickLength));
        foreach (char c in nick)
        {
            if (!char.IsControl(c) && builder.Length < ChatLimits.MaxNickLength)
            {
                builder.Append(c);
            }
        }

        return builder.ToString().Trim();
    }

    /// <summary>How people see an author: the nick bound to the short NodeId, so a nick alone cannot impersonate.</summary>
    public static string Display(string nick, PeerId author) =>
        nick.Length == 0 ? author.ToShortString() : $"{nick} ({author.ToShortString()})";

    private static byte[] IdOf(ReadOnlySpan<byte> signed)
    {
        byte[] id = new byte[ChatLimits.IdSize];
        IdOf(signed, id);
        return id;
    }

    private static void IdOf(ReadOnlySpan<byte> signed, Span<byte> id)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(signed, hash);
        hash[..ChatLimits.IdSize].CopyTo(id);
    }

    private static void WriteText(ArrayBufferWriter<byte> buffer, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)bytes.Length);
        buffer.Write(length);
        buffer.Write(bytes);
    }
}
