using MeshHost.Plugins.FileShare.Content;

namespace MeshHost.Plugins.FileShare.Sharing;

/// <summary>What a seeder serves a share from: files shared in place, or a download's part files.</summary>
internal interface IPieceSource
{
    ShareLayout Layout { get; }

    /// <summary>Whether every piece is held (the have-answer is then "complete").</summary>
    bool IsComplete { get; }

    /// <summary>Whether share-wide piece <paramref name="global"/> is held and verified.</summary>
    bool HasPiece(int global);

    /// <summary>Reads the whole piece <paramref name="piece"/> of file <paramref name="file"/> into <paramref name="destination"/>.</summary>
    /// <returns>False when it cannot be served (not held, file changed or gone).</returns>
    bool TryReadPiece(int file, int piece, Span<byte> destination);
}
