using System.Runtime.CompilerServices;

namespace MeshHost.MessagePack.Formatters;

/// <summary>Formats a nullable value type: nil for null, otherwise the value with <typeparamref name="TFormatter"/>.</summary>
public readonly struct NullableFormatter<T, TFormatter> : IMessagePackFormatter<T?>
    where T : struct
    where TFormatter : struct, IMessagePackFormatter<T>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, T? value)
    {
        if (value.HasValue)
        {
            default(TFormatter).Serialize(ref writer, value.GetValueOrDefault());
        }
        else
        {
            writer.WriteNil();
        }
    }

    /// <inheritdoc/>
    public T? Deserialize(ref MessagePackReader reader) =>
        reader.TryReadNil() ? null : default(TFormatter).Deserialize(ref reader);
}

/// <summary>
/// Formats an enum as its underlying integer, without boxing. Values that the enum does not name
/// are read as they are, as C# itself allows.
/// </summary>
public readonly struct EnumFormatter<TEnum, TUnderlying, TUnderlyingFormatter> : IMessagePackFormatter<TEnum>
    where TEnum : struct, Enum
    where TUnderlying : struct
    where TUnderlyingFormatter : struct, IMessagePackFormatter<TUnderlying>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, TEnum value)
    {
        ThrowIfNotSameSize();
        default(TUnderlyingFormatter).Serialize(ref writer, Unsafe.As<TEnum, TUnderlying>(ref value));
    }

    /// <inheritdoc/>
    public TEnum Deserialize(ref MessagePackReader reader)
    {
        ThrowIfNotSameSize();
        TUnderlying value = default(TUnderlyingFormatter).Deserialize(ref reader);
        return Unsafe.As<TUnderlying, TEnum>(ref value);
    }

    // Unsafe.As reinterprets the value in place: with a TUnderlying of another size it would read
    // past the end of the smaller one. Both sizes are JIT-time constants, so this costs nothing.
    private static void ThrowIfNotSameSize()
    {
        if (Unsafe.SizeOf<TEnum>() != Unsafe.SizeOf<TUnderlying>())
        {
            throw new MessagePackSerializationException(
                $"{typeof(TUnderlying).Name} cannot be the underlying type of {typeof(TEnum).Name}: their sizes differ");
        }
    }
}

/// <summary>Formats a type that the source generator made serializable.</summary>
public readonly struct SerializableFormatter<T> : IMessagePackFormatter<T?>
    where T : IMessagePackSerializable<T>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, T? value) => T.Serialize(ref writer, value);

    /// <inheritdoc/>
    public T? Deserialize(ref MessagePackReader reader) => T.Deserialize(ref reader);
}
