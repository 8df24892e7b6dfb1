using MeshHost.MessagePack;

namespace MeshHost.Plugins.FileShare.Content;

/// <summary>
/// What a share is: its name, one piece size and its files sorted by path. Its canonical MessagePack
/// encoding (<see cref="ShareCodec"/>) hashes to the share root, the content id that links name.
/// </summary>
[MessagePackObject]
internal sealed partial record ShareMetadata
{
    /// <summary>The format version; only <see cref="ShareCodec.FormatVersion"/> is read.</summary>
    [Key(0)] public int Version { get; init; }

    /// <summary>The share's name: the shared file's or folder's name, one path segment.</summary>
    [Key(1)] public string Name { get; init; } = "";

    /// <summary>Bytes per piece for every file (<see cref="MerkleTree.IsValidPieceSize"/>).</summary>
    [Key(2)] public int PieceSize { get; init; }

    /// <summary>The files, in ascending ordinal order of <see cref="ShareFile.Path"/>.</summary>
    [Key(3)] public ShareFile[] Files { get; init; } = [];
}

/// <summary>One file of a share.</summary>
[MessagePackObject]
internal sealed partial record ShareFile
{
    /// <summary>Relative to the share, segments joined by '/' (a single file's share holds one file named as the share).</summary>
    [Key(0)] public string Path { get; init; } = "";

    /// <summary>The file's length in bytes.</summary>
    [Key(1)] public long Size { get; init; }

    /// <summary>The file's Merkle root (32 bytes).</summary>
    [Key(2)] public byte[] Root { get; init; } = [];

    /// <summary>The file's piece layer; empty for a file of at most one piece (BEP 52).</summary>
    [Key(3)] public byte[] PieceLayer { get; init; } = [];
}
