namespace MeshHost.Transport.Recovery;

/// <summary>A half-open interval <c>[Start, End)</c> of unsigned 64-bit numbers.</summary>
internal readonly record struct Interval(ulong Start, ulong End)
{
    public ulong Length => End - Start;

    public bool Contains(ulong value) => value >= Start && value < End;
}
