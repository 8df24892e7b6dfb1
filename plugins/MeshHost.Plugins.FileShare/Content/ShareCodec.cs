using System.Security.Cryptography;
using System.Text;
using MeshHost.MessagePack;

namespace MeshHost.Plugins.FileShare.Content;

/// <summary>
/// The canonical encoding of <see cref="ShareMetadata"/>, the share root derived from it, and the
/// validation of metadata that arrives from peers (hostile until proven otherwise).
/// </summary>
/// <remarks>
/// The share root is SHA-256 over a domain prefix and the canonical bytes, not a Merkle tree over the
/// file roots: one hash authenticates names, sizes and piece layers together, which a downloader needs
/// before it trusts any of them. The prefix keeps a share root from ever equalling a file root (a
/// one-block file whose bytes were metadata would otherwise collide on the content-routing key).
/// </remarks>
internal static class ShareCodec
{
    /// <summary>The metadata format this code writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The largest encoded metadata: 8 MiB (a share of one 1 TiB file needs about 2 MiB).</summary>
    public const int MaxMetadataBytes = 8 * 1024 * 1024;

    /// <summary>The most files in a share.</summary>
    public const int MaxFiles = 10_000;

    /// <summary>The largest share: 16 TiB in all.</summary>
    public const long MaxShareSize = 16L << 40;

    /// <summary>The longest relative path, in UTF-8 bytes.</summary>
    public const int MaxPathBytes = 1_024;

    /// <summary>The longest path segment (and share name), in UTF-8 bytes: what common file systems allow.</summary>
    public const int MaxSegmentBytes = 255;

    /// <summary>The deepest relative path, in segments.</summary>
    public const int MaxDepth = 32;

    private static readonly byte[] RootDomain = Encoding.ASCII.GetBytes("meshhost.fileshare/share-root/v1\0");

    /// <summary>Validates <paramref name="metadata"/> and writes its canonical encoding.</summary>
    /// <exception cref="InvalidDataException">The metadata breaks a rule; the message says which.</exception>
    public static byte[] Encode(ShareMetadata metadata)
    {
        Validate(metadata);
        byte[] encoded = MessagePackSerializer.Serialize(metadata);
        if (encoded.Length > MaxMetadataBytes)
        {
            throw new InvalidDataException($"The share's metadata takes {encoded.Length} bytes, over the limit of {MaxMetadataBytes}.");
        }

        return encoded;
    }

    /// <summary>The share root (32 bytes) of canonical metadata bytes.</summary>
    public static byte[] ComputeRoot(ReadOnlySpan<byte> encoded)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(RootDomain);
        hash.AppendData(encoded);
        return hash.GetHashAndReset();
    }

    /// <summary>
    /// Checks metadata fetched from a peer against the share root it was asked for, then decodes and
    /// validates it. Returns the metadata and each file's tree, in the order of its files.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes do not hash to the root, do not decode, are not canonical, or break a rule.</exception>
    public static (ShareMetadata Metadata, MerkleTree[] Trees) Decode(ReadOnlySpan<byte> encoded, ReadOnlySpan<byte> expectedRoot)
    {
        if (encoded.Length > MaxMetadataBytes)
        {
            throw new InvalidDataException($"The metadata takes {encoded.Length} bytes, over the limit of {MaxMetadataBytes}.");
        }

        if (!CryptographicOperations.FixedTimeEquals(ComputeRoot(encoded), expectedRoot))
        {
            throw new InvalidDataException("The metadata does not hash to the share root: it belongs to another share or was altered.");
        }

        ShareMetadata metadata;
        try
        {
            metadata = MessagePackSerializer.Deserialize<ShareMetadata>(encoded)
                ?? throw new InvalidDataException("The metadata is nil.");
        }
        catch (MessagePackSerializationException e)
        {
            throw new InvalidDataException("The metadata does not decode: " + e.Message, e);
        }

        MerkleTree[] trees = Validate(metadata);
        if (!encoded.SequenceEqual(MessagePackSerializer.Serialize(metadata)))
        {
            throw new InvalidDataException("The metadata is not in canonical form (one encoding per share).");
        }

        return (metadata, trees);
    }

    /// <summary>Checks every rule of the format and returns each file's tree, in the order of its files.</summary>
    /// <exception cref="InvalidDataException">The first rule broken, with the file it concerns.</exception>
    public static MerkleTree[] Validate(ShareMetadata metadata)
    {
        if (metadata.Version != FormatVersion)
        {
            throw new InvalidDataException($"Metadata version {metadata.Version} is not supported (this node reads {FormatVersion}).");
        }

        CheckSegment(metadata.Name, "The share name");
        if (!MerkleTree.IsValidPieceSize(metadata.PieceSize))
        {
            throw new InvalidDataException($"A piece size is a power of two from {MerkleHash.BlockSize} to {MerkleTree.MaxPieceSize} bytes, not {metadata.PieceSize}.");
        }

        ShareFile[] files = metadata.Files ?? [];
        if (files.Length is 0 or > MaxFiles)
        {
            throw new InvalidDataException($"A share holds 1 to {MaxFiles} files, not {files.Length}.");
        }

        var paths = new HashSet<string>(files.Length, StringComparer.OrdinalIgnoreCase);
        var trees = new MerkleTree[files.Length];
        long total = 0;
        for (int i = 0; i < files.Length; i++)
        {
            ShareFile file = files[i] ?? throw new InvalidDataException($"File {i} is nil.");
            CheckPath(file.Path);
            if (i > 0 && string.CompareOrdinal(files[i - 1].Path, file.Path) >= 0)
            {
                throw new InvalidDataException($"'{file.Path}' is out of order or repeated: files are sorted by ordinal path, each once.");
            }

            if (!paths.Add(file.Path))
            {
                throw new InvalidDataException($"'{file.Path}' differs from another path only in case: it would overwrite it on many file systems.");
            }

            try
            {
                trees[i] = MerkleTree.FromPieceLayer(file.Size, metadata.PieceSize, file.Root ?? [], file.PieceLayer ?? []);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"'{file.Path}': {e.Message}", e);
            }

            total += file.Size;
            if (total > MaxShareSize)
            {
                throw new InvalidDataException($"The share holds more than {MaxShareSize} bytes.");
            }
        }

        // A path that is also a folder of another ("a" and "a/b") cannot be written.
        foreach (ShareFile file in files)
        {
            for (int slash = file.Path.IndexOf('/', StringComparison.Ordinal); slash >= 0; slash = file.Path.IndexOf('/', slash + 1))
            {
                if (paths.Contains(file.Path[..slash]))
                {
                    throw new InvalidDataException($"'{file.Path[..slash]}' is both a file and the folder of '{file.Path}'.");
                }
            }
        }

        return trees;
    }

    /// <summary>Checks one relative path: '/'-separated segments, nothing that leaves the share folder.</summary>
    public static void CheckPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new InvalidDataException("A file path is empty.");
        }

        if (Encoding.UTF8.GetByteCount(path) > MaxPathBytes)
        {
            throw new InvalidDataException($"'{Shorten(path)}' is longer than {MaxPathBytes} UTF-8 bytes.");
        }

        if (path[0] == '/')
        {
            throw new InvalidDataException($"'{path}' is absolute: paths are relative to the share.");
        }

        int depth = 0;
        foreach (Range range in path.AsSpan().Split('/'))
        {
            if (++depth > MaxDepth)
            {
                throw new InvalidDataException($"'{path}' is deeper than {MaxDepth} folders.");
            }

            CheckSegment(path[range], $"A segment of '{path}'");
        }
    }

    /// <summary>
    /// Checks one name: 1 to 255 UTF-8 bytes, not "." or "..", no separator, drive colon, control or
    /// other character Windows refuses, and no trailing dot or space (Windows drops them, merging names).
    /// </summary>
    public static void CheckSegment(string? segment, string what)
    {
        if (string.IsNullOrEmpty(segment))
        {
            throw new InvalidDataException($"{what} is empty.");
        }

        if (segment is "." or "..")
        {
            throw new InvalidDataException($"{what} is '{segment}': a path may not leave or name its folder.");
        }

        foreach (char c in segment)
        {
            if (c < 0x20 || c == 0x7F || c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|')
            {
                throw new InvalidDataException($"{what} ('{Shorten(segment)}') holds the character U+{(int)c:X4}, which is a separator or not allowed in file names.");
            }
        }

        if (segment[^1] is '.' or ' ')
        {
            throw new InvalidDataException($"{what} ('{Shorten(segment)}') ends in a dot or a space.");
        }

        int bytes;
        try
        {
            bytes = new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(segment);
        }
        catch (EncoderFallbackException)
        {
            throw new InvalidDataException($"{what} is not valid Unicode (a lone surrogate).");
        }

        if (bytes > MaxSegmentBytes)
        {
            throw new InvalidDataException($"{what} ('{Shorten(segment)}') is longer than {MaxSegmentBytes} UTF-8 bytes.");
        }
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 61), "...");
}
