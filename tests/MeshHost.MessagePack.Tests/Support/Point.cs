namespace MeshHost.MessagePack.Tests.Support;

/// <summary>A hand-written <see cref="IMessagePackSerializable{TSelf}"/>, shaped like what the source generator emits for <c>[Key(0)] X, [Key(1)] Label</c>.</summary>
internal sealed record Point(int X, string? Label) : IMessagePackSerializable<Point>
{
    public static void Serialize(ref MessagePackWriter writer, Point? value)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.X);
        writer.WriteString(value.Label);
    }

    public static Point? Deserialize(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int start = reader.Position;
        int count = reader.ReadArrayHeader();
        if (count < 2)
        {
            throw new MessagePackSerializationException($"A Point needs 2 members, not {count}", start);
        }

        reader.EnterNested();
        int x = reader.ReadInt32();
        string? label = reader.ReadString();
        for (int i = 2; i < count; i++)
        {
            reader.Skip(); // members from a newer version
        }

        reader.LeaveNested();
        return new Point(x, label);
    }
}
