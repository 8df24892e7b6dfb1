using MeshHost.MessagePack;

namespace MeshHost.Plugins.Tests.Support;

/// <summary>The echo plugin's note, as a peer that does not have the plugin's types writes it (same MessagePack shape).</summary>
[MessagePackObject]
public sealed partial record Note
{
    [Key(0)] public string Text { get; init; } = "";
}
