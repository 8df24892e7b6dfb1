using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;

namespace MeshHost.MessagePack.Tests.Support;

/// <summary>
/// The tagged description of a MessagePack value that tests/interop/msgpack_interop.py understands:
/// integers as decimal strings (no JSON number loses precision), floats as their IEEE bits, bytes as hex.
/// </summary>
internal static class Tag
{
    public static JsonObject Nil() => new() { ["kind"] = "nil" };

    public static JsonObject Bool(bool value) => new() { ["kind"] = "bool", ["value"] = value };

    public static JsonObject Int(BigInteger value) => new() { ["kind"] = "int", ["value"] = value.ToString(CultureInfo.InvariantCulture) };

    public static JsonObject F64(double value) =>
        new() { ["kind"] = "float64", ["bits"] = BitConverter.DoubleToInt64Bits(value).ToString("x16", CultureInfo.InvariantCulture) };

    public static JsonObject F32(float value) =>
        new() { ["kind"] = "float32", ["bits"] = BitConverter.SingleToInt32Bits(value).ToString("x8", CultureInfo.InvariantCulture) };

    public static JsonObject Str(string value) => new() { ["kind"] = "str", ["value"] = value };

    public static JsonObject Bin(ReadOnlySpan<byte> value) => new() { ["kind"] = "bin", ["hex"] = Hex.Of(value) };

    public static JsonObject Ext(sbyte type, ReadOnlySpan<byte> data) => new() { ["kind"] = "ext", ["type"] = (int)type, ["hex"] = Hex.Of(data) };

    public static JsonObject Timestamp(long seconds, uint nanoseconds) =>
        new() { ["kind"] = "timestamp", ["seconds"] = seconds.ToString(CultureInfo.InvariantCulture), ["nanoseconds"] = nanoseconds };

    public static JsonObject Timestamp(DateTime value)
    {
        long ticks = value.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long remainder);
        if (remainder < 0)
        {
            seconds--;
            remainder += TimeSpan.TicksPerSecond;
        }

        return Timestamp(seconds, (uint)(remainder * 100));
    }

    public static JsonObject Array(IEnumerable<JsonNode> items) => new() { ["kind"] = "array", ["items"] = new JsonArray([.. items]) };

    public static JsonObject Array(params JsonNode[] items) => Array((IEnumerable<JsonNode>)items);

    public static JsonObject Map(IEnumerable<(JsonNode Key, JsonNode Value)> entries)
    {
        var list = new JsonArray();
        foreach ((JsonNode key, JsonNode value) in entries)
        {
            list.Add(new JsonArray(key, value));
        }

        return new JsonObject { ["kind"] = "map", ["entries"] = list };
    }

    public static JsonObject Map(params (JsonNode Key, JsonNode Value)[] entries) => Map((IEnumerable<(JsonNode, JsonNode)>)entries);

    /// <summary>
    /// Whether <paramref name="decoded"/>, what msgpack decoded, is the value <paramref name="expected"/>
    /// describes. msgpack has no float32 type, so a float32 must come back as the float64 of the same value.
    /// </summary>
    public static bool Matches(JsonNode? expected, JsonNode? decoded)
    {
        switch (expected)
        {
            case JsonObject obj when (string?)obj["kind"] == "float32":
                float value = BitConverter.Int32BitsToSingle(int.Parse((string)obj["bits"]!, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                return decoded is JsonObject widened
                    && (string?)widened["kind"] == "float64"
                    && (string?)widened["bits"] == BitConverter.DoubleToInt64Bits(value).ToString("x16", CultureInfo.InvariantCulture);
            case JsonObject obj:
                if (decoded is not JsonObject other || other.Count != obj.Count)
                {
                    return false;
                }

                foreach (KeyValuePair<string, JsonNode?> property in obj)
                {
                    if (!other.TryGetPropertyValue(property.Key, out JsonNode? otherValue) || !Matches(property.Value, otherValue))
                    {
                        return false;
                    }
                }

                return true;
            case JsonArray array:
                if (decoded is not JsonArray otherArray || otherArray.Count != array.Count)
                {
                    return false;
                }

                for (int i = 0; i < array.Count; i++)
                {
                    if (!Matches(array[i], otherArray[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return JsonNode.DeepEquals(expected, decoded);
        }
    }
}
