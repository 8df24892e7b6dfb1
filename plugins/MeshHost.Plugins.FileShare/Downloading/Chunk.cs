namespace MeshHost.Plugins.FileShare.Downloading;

/// <summary>One block request's worth of a piece: what the picker hands out and a peer is asked for.</summary>
/// <param name="Global">The share-wide piece number.</param>
/// <param name="File">The file's index.</param>
/// <param name="Piece">The piece within the file.</param>
/// <param name="FirstBlock">The first block within the piece.</param>
/// <param name="Count">How many blocks.</param>
/// <param name="Duplicate">True for an endgame copy of a chunk another peer was already asked for.</param>
internal readonly record struct Chunk(int Global, int File, int Piece, int FirstBlock, int Count, bool Duplicate);
