namespace MeshHost.MessagePack.Tests.Support;

/// <summary>Hex strings for expected encodings; spaces are allowed for readability.</summary>
internal static class Hex
{
    public static byte[] Parse(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>A header given in hex followed by a payload.</summary>
    public static byte[] Concat(string headerHex, ReadOnlySpan<byte> payload)
    {
        byte[] header = Parse(headerHex);
        var result = new byte[header.Length + payload.Length];
        header.CopyTo(result, 0);
        payload.CopyTo(result.AsSpan(header.Length));
        return result;
    }

    /// <summary>A header given in hex followed by <paramref name="count"/> copies of an element given in hex.</summary>
    public static byte[] Repeat(string headerHex, string elementHex, int count)
    {
        byte[] element = Parse(elementHex);
        var payload = new byte[element.Length * count];
        for (int i = 0; i < count; i++)
        {
            element.CopyTo(payload, i * element.Length);
        }

        return Concat(headerHex, payload);
    }
}
