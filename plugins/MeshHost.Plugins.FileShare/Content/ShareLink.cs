using System.Globalization;
using System.Text;

namespace MeshHost.Plugins.FileShare.Content;

/// <summary>
/// A share link: <c>mesh://&lt;root as 64 lower-case hex digits&gt;?name=&lt;percent-encoded UTF-8&gt;&amp;size=&lt;decimal bytes&gt;</c>.
/// The root alone identifies the content (the metadata fetched for it is verified against it); name
/// and size only tell a person what the link is before it is fetched.
/// </summary>
/// <remarks>
/// Parsing is strict: the root must be exactly 64 hex digits, name and size must each appear once,
/// a percent escape must be two hex digits and decode to valid UTF-8, '+' is a plus (spaces are
/// <c>%20</c>), and the size has no sign or leading zero. Unknown parameters are ignored so later
/// versions can add some.
/// </remarks>
internal sealed record ShareLink
{
    /// <summary>The scheme and separator every link starts with.</summary>
    public const string Prefix = "mesh://";

    /// <summary>The longest link accepted, in characters.</summary>
    public const int MaxLength = 2_048;

    private ShareLink(byte[] root, string name, long size)
    {
        Root = root;
        Name = name;
        Size = size;
    }

    /// <summary>The share root (32 bytes).</summary>
    public byte[] Root { get; }

    /// <summary>The share's name, valid as <see cref="ShareCodec.CheckSegment"/> requires.</summary>
    public string Name { get; }

    /// <summary>The share's total size in bytes.</summary>
    public long Size { get; }

    /// <summary>Makes a link, checking each part as <see cref="Parse"/> would.</summary>
    /// <exception cref="ArgumentException">A part is invalid.</exception>
    public static ShareLink Create(ReadOnlySpan<byte> root, string name, long size)
    {
        if (root.Length != MerkleHash.HashSize)
        {
            throw new ArgumentException($"A share root is {MerkleHash.HashSize} bytes, not {root.Length}.", nameof(root));
        }

        try
        {
            ShareCodec.CheckSegment(name, "The share name");
        }
        catch (InvalidDataException e)
        {
            throw new ArgumentException(e.Message, nameof(name), e);
        }

        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, ShareCodec.MaxShareSize);
        return new ShareLink(root.ToArray(), name, size);
    }

    /// <summary>Parses a link.</summary>
    /// <exception cref="FormatException">The link is malformed; the message says how.</exception>
    public static ShareLink Parse(string text) =>
        TryParse(text, out ShareLink? link, out string? error) ? link : throw new FormatException(error);

    /// <summary>Parses a link, or says in <paramref name="error"/> why it is not one.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ShareLink? link, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        link = null;
        error = Check(text, out byte[]? root, out string? name, out long size);
        if (error is not null)
        {
            return false;
        }

        link = new ShareLink(root!, name!, size);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var builder = new StringBuilder(Prefix, Prefix.Length + 96 + Name.Length * 3);
        builder.Append(Convert.ToHexStringLower(Root)).Append("?name=");
        foreach (byte b in Encoding.UTF8.GetBytes(Name))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.Append("&size=").Append(Size.ToString(CultureInfo.InvariantCulture)).ToString();
    }

    private static string? Check(string? text, out byte[]? root, out string? name, out long size)
    {
        root = null;
        name = null;
        size = -1;
        if (string.IsNullOrEmpty(text))
        {
            return "The link is empty.";
        }

        if (text.Length > MaxLength)
        {
            return $"The link is longer than {MaxLength} characters.";
        }

        if (!text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return $"A share link starts with '{Prefix}'.";
        }

        int question = text.IndexOf('?', Prefix.Length);
        string hex = question < 0 ? text[Prefix.Length..] : text[Prefix.Length..question];
        if (hex.Length != 2 * MerkleHash.HashSize || !IsHex(hex))
        {
            return $"The root after '{Prefix}' must be {2 * MerkleHash.HashSize} hex digits; got {hex.Length} characters.";
        }

        root = Convert.FromHexString(hex);
        if (question < 0)
        {
            return "The link has no '?name=…&size=…'.";
        }

        foreach (Range range in text.AsSpan(question + 1).Split('&'))
        {
            string pair = text[(question + 1)..][range];
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            string key = equals < 0 ? pair : pair[..equals];
            string value = equals < 0 ? "" : pair[(equals + 1)..];
            if (key == "name")
            {
                if (name is not null)
                {
                    return "The link names 'name' twice.";
                }

                string? error = Unescape(value, out name);
                if (error is not null)
                {
                    return error;
                }

                try
                {
                    ShareCodec.CheckSegment(name, "The link's name");
                }
                catch (InvalidDataException e)
                {
                    return e.Message;
                }
            }
            else if (key == "size")
            {
                if (size >= 0)
                {
                    return "The link names 'size' twice.";
                }

                if (value.Length is 0 or > 19 || !IsDigits(value) || (value.Length > 1 && value[0] == '0')
                    || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size > ShareCodec.MaxShareSize)
                {
                    size = -1;
                    return $"The link's size '{value}' is not a decimal byte count from 0 to {ShareCodec.MaxShareSize} without leading zeros.";
                }
            }
        }

        return name is null ? "The link has no 'name'." : size < 0 ? "The link has no 'size'." : null;
    }

    private static string? Unescape(string value, out string? text)
    {
        text = null;
        byte[] bytes = new byte[value.Length];
        int count = 0;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '%')
            {
                if (i + 2 >= value.Length || !IsHex(value.AsSpan(i + 1, 2)))
                {
                    return "The link's name has a '%' not followed by two hex digits.";
                }

                bytes[count++] = Convert.FromHexString(value.AsSpan(i + 1, 2))[0];
                i += 2;
            }
            else if (c > 0x20 && c < 0x7F && c is not ('#' or '&' or '=' or '?'))
            {
                bytes[count++] = (byte)c;
            }
            else
            {
                return $"The link's name holds U+{(int)c:X4} unescaped.";
            }
        }

        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, count);
            return null;
        }
        catch (DecoderFallbackException)
        {
            return "The link's name is not valid percent-encoded UTF-8.";
        }
    }

    private static bool IsHex(ReadOnlySpan<char> text) => !text.IsEmpty && !text.ContainsAnyExcept("0123456789abcdefABCDEF");

    private static bool IsDigits(ReadOnlySpan<char> text) => !text.ContainsAnyExcept("0123456789");
}
