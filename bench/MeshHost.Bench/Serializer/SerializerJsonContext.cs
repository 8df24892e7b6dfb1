using System.Text.Json.Serialization;

namespace MeshHost.Bench.Serializer;

/// <summary>
/// The System.Text.Json baseline, source-generated (metadata and fast-path serialization), which is
/// STJ at its fastest and the fair thing to compare a source-generated MessagePack with.
/// </summary>
[JsonSerializable(typeof(ChatMessage))]
[JsonSerializable(typeof(BlobMessage))]
internal sealed partial class SerializerJsonContext : JsonSerializerContext;
