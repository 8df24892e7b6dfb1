using MeshHost.MessagePack;

namespace MeshHost.Bench.Serializer;

/// <summary>A file-transfer chunk: a 64 KiB payload with a little framing.</summary>
[MessagePackObject]
public sealed partial class BlobMessage
{
    /// <summary>The chunk's position in its transfer.</summary>
    [Key(0)]
    public long Sequence { get; set; }

    /// <summary>The file the chunk belongs to.</summary>
    [Key(1)]
    public string FileName { get; set; } = "";

    /// <summary>The chunk's bytes (65,536 in the benchmark).</summary>
    [Key(2)]
    public byte[] Data { get; set; } = [];
}
