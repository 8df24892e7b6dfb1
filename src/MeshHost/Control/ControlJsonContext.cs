using System.Text.Json.Serialization;

namespace MeshHost.Control;

/// <summary>
/// The source-generated serializer for everything the control API and the CLI read and write:
/// no reflection, so nothing here keeps a plugin's load context alive.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ControlFile))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(IdResponse))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(PeersResponse))]
[JsonSerializable(typeof(FindResponse))]
[JsonSerializable(typeof(ConnectRequest))]
[JsonSerializable(typeof(ConnectResponse))]
[JsonSerializable(typeof(PingRequest))]
[JsonSerializable(typeof(PingResponse))]
[JsonSerializable(typeof(PluginsResponse))]
[JsonSerializable(typeof(PluginResponse))]
internal sealed partial class ControlJsonContext : JsonSerializerContext
{
}
