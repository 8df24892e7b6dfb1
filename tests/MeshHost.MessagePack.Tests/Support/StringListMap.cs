using MeshHost.MessagePack.Formatters;

namespace MeshHost.MessagePack.Tests.Support;

/// <summary>The formatter of <c>Dictionary&lt;string, List&lt;long?&gt;?&gt;</c>: strings, nullable integers, a list and a map in one type.</summary>
internal readonly struct StringListMap : IMessagePackFormatter<Dictionary<string, List<long?>?>?>
{
    public void Serialize(ref MessagePackWriter writer, Dictionary<string, List<long?>?>? value) =>
        default(DictionaryFormatter<string, List<long?>?, StringFormatter, ListFormatter<long?, NullableFormatter<long, Int64Formatter>>>).Serialize(ref writer, value);

    public Dictionary<string, List<long?>?>? Deserialize(ref MessagePackReader reader) =>
        default(DictionaryFormatter<string, List<long?>?, StringFormatter, ListFormatter<long?, NullableFormatter<long, Int64Formatter>>>).Deserialize(ref reader);
}
