using MeshHost.MessagePack;

namespace MeshHost.Mesh.Tests.Nodes;

[MessagePackObject]
public sealed partial record Note
{
    [Key(0)] public string Text { get; init; } = "";

    [Key(1)] public int Number { get; init; }

    [Key(2)] public byte[] Blob { get; init; } = [];
}

[MessagePackObject]
public sealed partial record Sum
{
    [Key(0)] public int A { get; init; }

    [Key(1)] public int B { get; init; }
}

[MessagePackObject]
public sealed partial record SumResult
{
    [Key(0)] public int Value { get; init; }
}
