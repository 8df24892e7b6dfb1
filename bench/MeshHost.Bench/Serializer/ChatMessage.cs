using MeshHost.MessagePack;

namespace MeshHost.Bench.Serializer;

/// <summary>
/// A small chat-like message, the shape most mesh traffic has. Public because BenchmarkDotNet's
/// emitted code returns it from a benchmark method.
/// </summary>
[MessagePackObject]
public sealed partial class ChatMessage
{
    /// <summary>The sender's 32-byte node id.</summary>
    [Key(0)]
    public byte[] SenderId { get; set; } = [];

    /// <summary>Unix time in milliseconds.</summary>
    [Key(1)]
    public long Timestamp { get; set; }

    /// <summary>The message text (about 100 characters in the benchmark).</summary>
    [Key(2)]
    public string Text { get; set; } = "";

    /// <summary>Eight application-defined integers (flags, counters, reactions).</summary>
    [Key(3)]
    public int[] Tags { get; set; } = [];

    /// <summary>The room the message was posted in.</summary>
    [Key(4)]
    public RoomInfo Room { get; set; } = new();
}
