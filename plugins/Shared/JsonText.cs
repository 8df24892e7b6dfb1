using System.Buffers;
using System.Text;
using System.Text.Json;

namespace MeshHost.Plugins.Shared;

/// <summary>JSON for a plugin's control API, written by hand (no reflection-based serializer may pin a plugin's types).</summary>
internal static class JsonText
{
    /// <summary>An object whose members <paramref name="body"/> writes.</summary>
    public static string Object(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
