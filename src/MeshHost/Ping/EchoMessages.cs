using MeshHost.MessagePack;

namespace MeshHost.Ping;

/// <summary>A request on <see cref="EchoService.ChannelName"/>: the answer carries the same bytes back.</summary>
[MessagePackObject]
internal sealed partial record EchoRequest
{
    /// <summary>The bytes to echo; the asker checks every one of them in the reply.</summary>
    [Key(0)] public byte[] Payload { get; init; } = [];
}

/// <summary>The answer to an <see cref="EchoRequest"/>.</summary>
[MessagePackObject]
internal sealed partial record EchoReply
{
    /// <summary>The request's bytes, unchanged.</summary>
    [Key(0)] public byte[] Payload { get; init; } = [];
}
