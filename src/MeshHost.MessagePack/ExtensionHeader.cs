namespace MeshHost.MessagePack;

/// <summary>The header of an extension value: its application-defined type code and payload length in bytes.</summary>
/// <param name="TypeCode">The extension type: 0 to 127 for applications, negative values are reserved by the specification (-1 is the timestamp).</param>
/// <param name="Length">The payload length in bytes.</param>
public readonly record struct ExtensionHeader(sbyte TypeCode, int Length);
