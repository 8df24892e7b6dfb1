namespace MeshHost.MessagePack;

/// <summary>
/// Writes and reads one type. The built-in formatters are stateless <c>readonly struct</c>s, so
/// generic code calls them through <c>default(TFormatter)</c> and the JIT inlines them.
/// </summary>
/// <typeparam name="T">The type handled.</typeparam>
public interface IMessagePackFormatter<T>
{
    /// <summary>Writes <paramref name="value"/>. Throws <see cref="MessagePackSerializationException"/> when it cannot be represented.</summary>
    void Serialize(ref MessagePackWriter writer, T value);

    /// <summary>Reads one value. Throws <see cref="MessagePackSerializationException"/> on bad input.</summary>
    T Deserialize(ref MessagePackReader reader);
}

/// <summary>
/// Implemented by the source generator for every <see cref="MessagePackObjectAttribute"/> and
/// <see cref="UnionAttribute"/> type. It is static, so serialization needs no reflection, no
/// registry and no static cache that could keep a plugin's types alive after it is unloaded.
/// </summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
public interface IMessagePackSerializable<TSelf>
    where TSelf : IMessagePackSerializable<TSelf>
{
    /// <summary>Writes <paramref name="value"/> (nil for null).</summary>
    static abstract void Serialize(ref MessagePackWriter writer, TSelf? value);

    /// <summary>Reads one value (null for nil when <typeparamref name="TSelf"/> is a reference type).</summary>
    static abstract TSelf? Deserialize(ref MessagePackReader reader);
}
