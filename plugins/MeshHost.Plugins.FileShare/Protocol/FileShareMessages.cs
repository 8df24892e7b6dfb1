using MeshHost.MessagePack;

namespace MeshHost.Plugins.FileShare.Protocol;

/// <summary>How a seeder answered a request (docs/fileshare.md, "Protocol").</summary>
internal enum FileShareStatus
{
    /// <summary>Answered.</summary>
    Ok = 0,

    /// <summary>This node does not serve the share (never had it, stopped, or its files changed on disk).</summary>
    NotFound = 1,

    /// <summary>The request is malformed or out of range: the asker is at fault.</summary>
    BadRequest = 2,

    /// <summary>Too many requests or uploads at once: ask later or elsewhere.</summary>
    Busy = 3,

    /// <summary>The seeder lacks the piece (a partial download) or could not read it.</summary>
    Unavailable = 4,
}

/// <summary>Asks for a slice of a share's canonical metadata, on <see cref="FileShareProtocol.MetadataChannel"/>.</summary>
[MessagePackObject]
internal sealed partial record MetadataRequest
{
    /// <summary>The share root (32 bytes).</summary>
    [Key(0)] public byte[] Root { get; init; } = [];

    /// <summary>Where the slice starts in the encoded metadata.</summary>
    [Key(1)] public int Offset { get; init; }
}

/// <summary>A slice of the encoded metadata: at most <see cref="FileShareProtocol.MaxMetadataSlice"/> bytes.</summary>
[MessagePackObject]
internal sealed partial record MetadataResponse
{
    /// <summary>The answer's status; the other fields are meaningful only for <see cref="FileShareStatus.Ok"/>.</summary>
    [Key(0)] public int Status { get; init; }

    /// <summary>The whole encoding's length, so the asker knows how many slices to fetch (checked against the bound).</summary>
    [Key(1)] public int TotalLength { get; init; }

    /// <summary>The bytes from the requested offset.</summary>
    [Key(2)] public byte[] Data { get; init; } = [];
}

/// <summary>Asks which pieces a peer holds, on <see cref="FileShareProtocol.HaveChannel"/>.</summary>
[MessagePackObject]
internal sealed partial record HaveRequest
{
    /// <summary>The share root (32 bytes).</summary>
    [Key(0)] public byte[] Root { get; init; } = [];

    /// <summary>The first piece (in share order: the files' pieces one after another) the bitfield covers; a multiple of 8.</summary>
    [Key(1)] public int FirstPiece { get; init; }
}

/// <summary>Which pieces a peer holds: everything (<see cref="Complete"/>) or a bitfield slice.</summary>
[MessagePackObject]
internal sealed partial record HaveResponse
{
    /// <summary>The answer's status.</summary>
    [Key(0)] public int Status { get; init; }

    /// <summary>True when the peer holds every piece (a seeder); <see cref="Bits"/> is then empty.</summary>
    [Key(1)] public bool Complete { get; init; }

    /// <summary>Bit i (least significant first) says whether piece FirstPiece + i is held; at most <see cref="FileShareProtocol.MaxHaveBytes"/> bytes.</summary>
    [Key(2)] public byte[] Bits { get; init; } = [];
}

/// <summary>
/// Asks for consecutive blocks of one piece, on <see cref="FileShareProtocol.BlockChannel"/>. The answer
/// carries each block's proof, so the asker verifies every 16 KiB block before writing it.
/// </summary>
[MessagePackObject]
internal sealed partial record BlockRequest
{
    /// <summary>The share root (32 bytes).</summary>
    [Key(0)] public byte[] Root { get; init; } = [];

    /// <summary>The file's index in the metadata.</summary>
    [Key(1)] public int File { get; init; }

    /// <summary>The piece within the file.</summary>
    [Key(2)] public int Piece { get; init; }

    /// <summary>The first block within the piece.</summary>
    [Key(3)] public int FirstBlock { get; init; }

    /// <summary>How many blocks: 1 to <see cref="FileShareProtocol.MaxBlocksPerRequest"/>, all in the piece.</summary>
    [Key(4)] public int Count { get; init; }
}

/// <summary>The blocks asked for, back to back, and their proofs, back to back (each <c>PieceHeight × 32</c> bytes).</summary>
[MessagePackObject]
internal sealed partial record BlockResponse
{
    /// <summary>The answer's status.</summary>
    [Key(0)] public int Status { get; init; }

    /// <summary>The blocks' bytes.</summary>
    [Key(1)] public byte[] Data { get; init; } = [];

    /// <summary>The blocks' proofs.</summary>
    [Key(2)] public byte[] Proofs { get; init; } = [];
}
