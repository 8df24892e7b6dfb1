namespace MeshHost.Plugins.FileShare.Downloading;

/// <summary>Which pieces one peer holds, as its last have-answer said, and where its picks start.</summary>
internal sealed class PeerPieces
{
    public PeerPieces(int cursor) => Cursor = cursor;

    /// <summary>True when the peer holds every piece.</summary>
    public bool Complete { get; set; }

    /// <summary>The peer's bitfield when it is not complete (bit i = share-wide piece i).</summary>
    public byte[] Bits { get; set; } = [];

    /// <summary>Where the next scan for a piece starts: random at first, so peers start on different pieces.</summary>
    public int Cursor { get; set; }

    public bool Has(int global) => Complete || (global >> 3 < Bits.Length && (Bits[global >> 3] & (1 << (global & 7))) != 0);
}
