using MeshHost.MessagePack;

namespace MeshHostPlugin;

/// <summary>
/// A message this plugin sends. The MeshHost.Sdk package's source generator writes its MessagePack
/// code at build time (the type must be partial). Keys are the wire format: add members at new keys,
/// never reuse one, and older plugins still read newer messages.
/// </summary>
[MessagePackObject]
public sealed partial class Greeting
{
    [Key(0)]
    public string Text { get; set; } = "";

    [Key(1)]
    public DateTime SentAt { get; set; }
}
