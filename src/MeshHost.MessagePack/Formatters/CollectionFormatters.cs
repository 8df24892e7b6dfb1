namespace MeshHost.MessagePack.Formatters;

/// <summary>Formats <c>T[]</c> as an array (nil for null).</summary>
public readonly struct ArrayFormatter<T, TFormatter> : IMessagePackFormatter<T[]?>
    where TFormatter : struct, IMessagePackFormatter<T>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, T[]? value)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(value.Length);
        foreach (T item in value)
        {
            default(TFormatter).Serialize(ref writer, item);
        }
    }

    /// <inheritdoc/>
    public T[]? Deserialize(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        if (count == 0)
        {
            return [];
        }

        reader.EnterNested();
        var result = new T[count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = default(TFormatter).Deserialize(ref reader);
        }

        reader.LeaveNested();
        return result;
    }
}

/// <summary>Formats <see cref="List{T}"/> as an array (nil for null).</summary>
public readonly struct ListFormatter<T, TFormatter> : IMessagePackFormatter<List<T>?>
    where TFormatter : struct, IMessagePackFormatter<T>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, List<T>? value)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(value.Count);
        foreach (T item in value)
        {
            default(TFormatter).Serialize(ref writer, item);
        }
    }

    /// <inheritdoc/>
    public List<T>? Deserialize(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        reader.EnterNested();
        var result = new List<T>(count);
        for (int i = 0; i < count; i++)
        {
            result.Add(default(TFormatter).Deserialize(ref reader));
        }

        reader.LeaveNested();
        return result;
    }
}

/// <summary>Formats <see cref="IReadOnlyList{T}"/> as an array (nil for null); reads into a <c>T[]</c>.</summary>
public readonly struct ReadOnlyListFormatter<T, TFormatter> : IMessagePackFormatter<IReadOnlyList<T>?>
    where TFormatter : struct, IMessagePackFormatter<T>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, IReadOnlyList<T>? value)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        int count = value.Count;
        writer.WriteArrayHeader(count);
        for (int i = 0; i < count; i++)
        {
            default(TFormatter).Serialize(ref writer, value[i]);
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<T>? Deserialize(ref MessagePackReader reader) => default(ArrayFormatter<T, TFormatter>).Deserialize(ref reader);
}

/// <summary>Formats <see cref="IList{T}"/> as an array (nil for null); reads into a <see cref="List{T}"/>.</summary>
public readonly struct InterfaceListFormatter<T, TFormatter> : IMessagePackFormatter<IList<T>?>
    where TFormatter : struct, IMessagePackFormatter<T>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, IList<T>? value)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        int count = value.Count;
        writer.WriteArrayHeader(count);
        for (int i = 0; i < count; i++)
        {
            default(TFormatter).Serialize(ref writer, value[i]);
        }
    }

    /// <inheritdoc/>
    public IList<T>? Deserialize(ref MessagePackReader reader) => default(ListFormatter<T, TFormatter>).Deserialize(ref reader);
}

/// <summary>Formats <see cref="HashSet{T}"/> as an array (nil for null). A repeated element is an error on read.</summary>
public readonly struct HashSetFormatter<T, TFormatter> : IMessagePackFormatter<HashSet<T>?>
    where TFormatter : struct, IMessagePackFormatter<T>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, HashSet<T>? value)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(value.Count);
        foreach (T item in value)
        {
            default(TFormatter).Serialize(ref writer, item);
        }
    }

    /// <inheritdoc/>
    public HashSet<T>? Deserialize(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        reader.EnterNested();
        var result = new HashSet<T>(count);
        for (int i = 0; i < count; i++)
        {
            int start = reader.Position;
            if (!result.Add(default(TFormatter).Deserialize(ref reader)))
            {
                throw new MessagePackSerializationException("The set holds the same element twice", start);
            }
        }

        reader.LeaveNested();
        return result;
    }
}

/// <summary>
/// Formats <see cref="Dictionary{TKey, TValue}"/> as a map (nil for null). A repeated or nil key is
/// an error on read: ambiguous input is refused rather than resolved silently. The key formatter
/// may be one that also handles null (such as <see cref="StringFormatter"/>).
/// </summary>
public readonly struct DictionaryFormatter<TKey, TValue, TKeyFormatter, TValueFormatter> : IMessagePackFormatter<Dictionary<TKey, TValue>?>
    where TKey : notnull
    where TKeyFormatter : struct, IMessagePackFormatter<TKey?>
    where TValueFormatter : struct, IMessagePackFormatter<TValue>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, Dictionary<TKey, TValue>? value)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteMapHeader(value.Count);
        foreach (KeyValuePair<TKey, TValue> pair in value)
        {
            default(TKeyFormatter).Serialize(ref writer, pair.Key);
            default(TValueFormatter).Serialize(ref writer, pair.Value);
        }
    }

    /// <inheritdoc/>
    public Dictionary<TKey, TValue>? Deserialize(ref MessagePackReader reader) =>
        reader.TryReadNil() ? null : DictionaryReading.Read<TKey, TValue, TKeyFormatter, TValueFormatter>(ref reader);
}

/// <summary>Formats <see cref="IReadOnlyDictionary{TKey, TValue}"/> as a map (nil for null); reads into a <see cref="Dictionary{TKey, TValue}"/>.</summary>
public readonly struct ReadOnlyDictionaryFormatter<TKey, TValue, TKeyFormatter, TValueFormatter> : IMessagePackFormatter<IReadOnlyDictionary<TKey, TValue>?>
    where TKey : notnull
    where TKeyFormatter : struct, IMessagePackFormatter<TKey?>
    where TValueFormatter : struct, IMessagePackFormatter<TValue>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, IReadOnlyDictionary<TKey, TValue>? value)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        DictionaryReading.WritePairs<TKey, TValue, TKeyFormatter, TValueFormatter>(ref writer, value, value.Count);
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<TKey, TValue>? Deserialize(ref MessagePackReader reader) =>
        reader.TryReadNil() ? null : DictionaryReading.Read<TKey, TValue, TKeyFormatter, TValueFormatter>(ref reader);
}

/// <summary>Formats <see cref="IDictionary{TKey, TValue}"/> as a map (nil for null); reads into a <see cref="Dictionary{TKey, TValue}"/>.</summary>
public readonly struct InterfaceDictionaryFormatter<TKey, TValue, TKeyFormatter, TValueFormatter> : IMessagePackFormatter<IDictionary<TKey, TValue>?>
    where TKey : notnull
    where TKeyFormatter : struct, IMessagePackFormatter<TKey?>
    where TValueFormatter : struct, IMessagePackFormatter<TValue>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, IDictionary<TKey, TValue>? value)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        DictionaryReading.WritePairs<TKey, TValue, TKeyFormatter, TValueFormatter>(ref writer, value, value.Count);
    }

    /// <inheritdoc/>
    public IDictionary<TKey, TValue>? Deserialize(ref MessagePackReader reader) =>
        reader.TryReadNil() ? null : DictionaryReading.Read<TKey, TValue, TKeyFormatter, TValueFormatter>(ref reader);
}

/// <summary>The map reading and interface-enumerating code the dictionary formatters share.</summary>
internal static class DictionaryReading
{
    public static Dictionary<TKey, TValue> Read<TKey, TValue, TKeyFormatter, TValueFormatter>(ref MessagePackReader reader)
        where TKey : notnull
        where TKeyFormatter : struct, IMessagePackFormatter<TKey?>
        where TValueFormatter : struct, IMessagePackFormatter<TValue>
    {
        int count = reader.ReadMapHeader();
        reader.EnterNested();
        var result = new Dictionary<TKey, TValue>(count);
        for (int i = 0; i < count; i++)
        {
            int start = reader.Position;
            TKey? key = default(TKeyFormatter).Deserialize(ref reader);
            if (key is null)
            {
                throw new MessagePackSerializationException("A map key is nil", start);
            }

            TValue value = default(TValueFormatter).Deserialize(ref reader);
            if (!result.TryAdd(key, value))
            {
                throw new MessagePackSerializationException("The map holds the same key twice", start);
            }
        }

        reader.LeaveNested();
        return result;
    }

    public static void WritePairs<TKey, TValue, TKeyFormatter, TValueFormatter>(
        ref MessagePackWriter writer, IEnumerable<KeyValuePair<TKey, TValue>> pairs, int count)
        where TKeyFormatter : struct, IMessagePackFormatter<TKey?>
        where TValueFormatter : struct, IMessagePackFormatter<TValue>
    {
        writer.WriteMapHeader(count);
        int written = 0;
        foreach (KeyValuePair<TKey, TValue> pair in pairs)
        {
            if (++written > count)
            {
                break;
            }

            default(TKeyFormatter).Serialize(ref writer, pair.Key);
            default(TValueFormatter).Serialize(ref writer, pair.Value);
        }

        if (written != count)
        {
            // A header that disagrees with its entries would corrupt everything after it.
            throw new MessagePackSerializationException($"The dictionary reported {count} entries but enumerated {written}; was it modified while being serialized?");
        }
    }
}
