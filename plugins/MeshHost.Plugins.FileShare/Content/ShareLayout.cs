namespace MeshHost.Plugins.FileShare.Content;

/// <summary>
/// A verified share as the protocol addresses it: its metadata, encoding, root and each file's tree,
/// and the share-wide piece numbering (file 0's pieces, then file 1's, ...) that have-bitfields and the
/// piece picker use. Immutable.
/// </summary>
internal sealed class ShareLayout
{
    private readonly int[] _firstPiece;

    public ShareLayout(ShareMetadata metadata, byte[] encoded, byte[] root, MerkleTree[] trees)
    {
        Metadata = metadata;
        Encoded = encoded;
        Root = root;
        Trees = trees;
        _firstPiece = new int[trees.Length + 1];
        long total = 0;
        for (int i = 0; i < trees.Length; i++)
        {
            _firstPiece[i + 1] = _firstPiece[i] + trees[i].PieceCount;
            total += trees[i].Size;
        }

        TotalSize = total;
        RootHex = Convert.ToHexStringLower(root);
    }

    public ShareMetadata Metadata { get; }

    /// <summary>The canonical encoding, which hashes to <see cref="Root"/>.</summary>
    public byte[] Encoded { get; }

    public byte[] Root { get; }

    /// <summary>The root as 64 lower-case hex digits: the share's id in the API and CLI.</summary>
    public string RootHex { get; }

    public MerkleTree[] Trees { get; }

    /// <summary>Pieces over all files.</summary>
    public int PieceCount => _firstPiece[^1];

    /// <summary>Bytes over all files.</summary>
    public long TotalSize { get; }

    /// <summary>Decodes and verifies <paramref name="encoded"/> against <paramref name="root"/>.</summary>
    /// <exception cref="InvalidDataException">It does not hash to the root or breaks a rule of the format.</exception>
    public static ShareLayout Decode(byte[] encoded, byte[] root)
    {
        (ShareMetadata metadata, MerkleTree[] trees) = ShareCodec.Decode(encoded, root);
        return new ShareLayout(metadata, encoded, root, trees);
    }

    /// <summary>The share-wide number of <paramref name="piece"/> of file <paramref name="file"/>.</summary>
    public int GlobalPiece(int file, int piece) => _firstPiece[file] + piece;

    /// <summary>The file and the piece within it of share-wide piece <paramref name="global"/>.</summary>
    public (int File, int Piece) Locate(int global)
    {
        int index = Array.BinarySearch(_firstPiece, global);

        // An exact hit may be the start of empty files (same first piece): take the last file starting there.
        if (index >= 0)
        {
            while (index + 1 < _firstPiece.Length - 1 && _firstPiece[index + 1] == global)
            {
                index++;
            }

            return (index, 0);
        }

        int file = ~index - 1;
        return (file, global - _firstPiece[file]);
    }
}
