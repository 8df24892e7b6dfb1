namespace MeshHost.MessagePack.Formatters;

/// <summary>Formats a 2-element <see cref="ValueTuple{T1, T2}"/> as an array of 2.</summary>
public readonly struct ValueTupleFormatter<T1, T2, TF1, TF2> : IMessagePackFormatter<(T1, T2)>
    where TF1 : struct, IMessagePackFormatter<T1>
    where TF2 : struct, IMessagePackFormatter<T2>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, (T1, T2) value)
    {
        writer.WriteArrayHeader(2);
        default(TF1).Serialize(ref writer, value.Item1);
        default(TF2).Serialize(ref writer, value.Item2);
    }

    /// <inheritdoc/>
    public (T1, T2) Deserialize(ref MessagePackReader reader)
    {
        TupleReading.ReadHeader(ref reader, 2);
        (T1, T2) value = (default(TF1).Deserialize(ref reader), default(TF2).Deserialize(ref reader));
        reader.LeaveNested();
        return value;
    }
}

/// <summary>Formats a 3-element <see cref="ValueTuple{T1, T2, T3}"/> as an array of 3.</summary>
public readonly struct ValueTupleFormatter<T1, T2, T3, TF1, TF2, TF3> : IMessagePackFormatter<(T1, T2, T3)>
    where TF1 : struct, IMessagePackFormatter<T1>
    where TF2 : struct, IMessagePackFormatter<T2>
    where TF3 : struct, IMessagePackFormatter<T3>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, (T1, T2, T3) value)
    {
        writer.WriteArrayHeader(3);
        default(TF1).Serialize(ref writer, value.Item1);
        default(TF2).Serialize(ref writer, value.Item2);
        default(TF3).Serialize(ref writer, value.Item3);
    }

    /// <inheritdoc/>
    public (T1, T2, T3) Deserialize(ref MessagePackReader reader)
    {
        TupleReading.ReadHeader(ref reader, 3);
        (T1, T2, T3) value = (default(TF1).Deserialize(ref reader), default(TF2).Deserialize(ref reader), default(TF3).Deserialize(ref reader));
        reader.LeaveNested();
        return value;
    }
}

/// <summary>Formats a 4-element <see cref="ValueTuple{T1, T2, T3, T4}"/> as an array of 4.</summary>
public readonly struct ValueTupleFormatter<T1, T2, T3, T4, TF1, TF2, TF3, TF4> : IMessagePackFormatter<(T1, T2, T3, T4)>
    where TF1 : struct, IMessagePackFormatter<T1>
    where TF2 : struct, IMessagePackFormatter<T2>
    where TF3 : struct, IMessagePackFormatter<T3>
    where TF4 : struct, IMessagePackFormatter<T4>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, (T1, T2, T3, T4) value)
    {
        writer.WriteArrayHeader(4);
        default(TF1).Serialize(ref writer, value.Item1);
        default(TF2).Serialize(ref writer, value.Item2);
        default(TF3).Serialize(ref writer, value.Item3);
        default(TF4).Serialize(ref writer, value.Item4);
    }

    /// <inheritdoc/>
    public (T1, T2, T3, T4) Deserialize(ref MessagePackReader reader)
    {
        TupleReading.ReadHeader(ref reader, 4);
        (T1, T2, T3, T4) value = (
            default(TF1).Deserialize(ref reader),
            default(TF2).Deserialize(ref reader),
            default(TF3).Deserialize(ref reader),
            default(TF4).Deserialize(ref reader));
        reader.LeaveNested();
        return value;
    }
}

/// <summary>Formats a 2-element <see cref="Tuple{T1, T2}"/> as an array of 2 (nil for null).</summary>
public readonly struct TupleFormatter<T1, T2, TF1, TF2> : IMessagePackFormatter<Tuple<T1, T2>?>
    where TF1 : struct, IMessagePackFormatter<T1>
    where TF2 : struct, IMessagePackFormatter<T2>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, Tuple<T1, T2>? value)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        default(ValueTupleFormatter<T1, T2, TF1, TF2>).Serialize(ref writer, value.ToValueTuple());
    }

    /// <inheritdoc/>
    public Tuple<T1, T2>? Deserialize(ref MessagePackReader reader) =>
        reader.TryReadNil() ? null : default(ValueTupleFormatter<T1, T2, TF1, TF2>).Deserialize(ref reader).ToTuple();
}

/// <summary>Formats a 3-element <see cref="Tuple{T1, T2, T3}"/> as an array of 3 (nil for null).</summary>
public readonly struct TupleFormatter<T1, T2, T3, TF1, TF2, TF3> : IMessagePackFormatter<Tuple<T1, T2, T3>?>
    where TF1 : struct, IMessagePackFormatter<T1>
    where TF2 : struct, IMessagePackFormatter<T2>
    where TF3 : struct, IMessagePackFormatter<T3>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, Tuple<T1, T2, T3>? value)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        default(ValueTupleFormatter<T1, T2, T3, TF1, TF2, TF3>).Serialize(ref writer, value.ToValueTuple());
    }

    /// <inheritdoc/>
    public Tuple<T1, T2, T3>? Deserialize(ref MessagePackReader reader) =>
        reader.TryReadNil() ? null : default(ValueTupleFormatter<T1, T2, T3, TF1, TF2, TF3>).Deserialize(ref reader).ToTuple();
}

/// <summary>Formats a 4-element <see cref="Tuple{T1, T2, T3, T4}"/> as an array of 4 (nil for null).</summary>
public readonly struct TupleFormatter<T1, T2, T3, T4, TF1, TF2, TF3, TF4> : IMessagePackFormatter<Tuple<T1, T2, T3, T4>?>
    where TF1 : struct, IMessagePackFormatter<T1>
    where TF2 : struct, IMessagePackFormatter<T2>
    where TF3 : struct, IMessagePackFormatter<T3>
    where TF4 : struct, IMessagePackFormatter<T4>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, Tuple<T1, T2, T3, T4>? value)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        default(ValueTupleFormatter<T1, T2, T3, T4, TF1, TF2, TF3, TF4>).Serialize(ref writer, value.ToValueTuple());
    }

    /// <inheritdoc/>
    public Tuple<T1, T2, T3, T4>? Deserialize(ref MessagePackReader reader) =>
        reader.TryReadNil() ? null : default(ValueTupleFormatter<T1, T2, T3, T4, TF1, TF2, TF3, TF4>).Deserialize(ref reader).ToTuple();
}

internal static class TupleReading
{
    /// <summary>Reads a tuple's array header, which must hold exactly <paramref name="arity"/> elements, and enters it.</summary>
    public static void ReadHeader(ref MessagePackReader reader, int arity)
    {
        int start = reader.Position;
        int count = reader.ReadArrayHeader();
        if (count != arity)
        {
            throw new MessagePackSerializationException($"A {arity}-tuple is an array of {arity} elements, not {count}", start);
        }

        reader.EnterNested();
    }
}
