using System.Text.Json.Serialization;

namespace MeshHost.Sdk;

/// <summary>Source-generated JSON for the SDK's own small payloads (no reflection, nothing that pins a plugin).</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class SdkJsonContext : JsonSerializerContext;
