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

    /// <summary>
    /// Reads the leaf hashes of piece <paramref name="piece"/> of file <paramref name="file"/> saved when the
    /// file was hashed (<see cref="LeafStore"/>), <see cref="MerkleTree.BlocksInPiece"/> × 32 bytes; false
    /// when there are none, and the piece is hashed to build its proofs.
    /// </summary>
    bool TryReadLeaves(int file, int piece, Span<byte> destination) => false;

    /// <summary>The saved leaves of <paramref name="file"/> did not hash up to its piece hashes: stop using them.</summary>
    void ForgetLeaves(int file)
    {
    }
}
