namespace MeshHost.MessagePack;

/// <summary>
/// Marks a class, struct or record whose MessagePack formatter the source generator writes at
/// compile time. The type must be <c>partial</c>. Members are serialized by their
/// <see cref="KeyAttribute"/>: integer keys give the compact array form, string keys the map form.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class MessagePackObjectAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="keyAsPropertyName">When true, every public field and property is serialized in
    /// map form under its own name and no <see cref="KeyAttribute"/> is needed.</param>
    public MessagePackObjectAttribute(bool keyAsPropertyName = false) => KeyAsPropertyName = keyAsPropertyName;

    /// <summary>Whether members are keyed by their names.</summary>
    public bool KeyAsPropertyName { get; }
}

/// <summary>
/// The key of a serialized field or property: an integer (array form; the index in the array) or a
/// string (map form). Keys must be unique within a type and never reused for a different meaning,
/// since that is what lets old and new versions of a message read each other.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true)]
public sealed class KeyAttribute : Attribute
{
    /// <summary>An array-form key: the member's index (0 or more).</summary>
    public KeyAttribute(int index) => IntKey = index;

    /// <summary>A map-form key: the member's name on the wire.</summary>
    public KeyAttribute(string name) => StringKey = name;

    /// <summary>The index for the array form, or null.</summary>
    public int? IntKey { get; }

    /// <summary>The name for the map form, or null.</summary>
    public string? StringKey { get; }
}

/// <summary>Excludes a public field or property of a <see cref="MessagePackObjectAttribute"/> type from serialization.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true)]
public sealed class IgnoreMemberAttribute : Attribute
{
}

/// <summary>
/// Declares one case of a polymorphic message on an abstract, partial base class or record. The
/// value is written as a two-element array <c>[key, value]</c>; an unknown key is an error on read.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class UnionAttribute : Attribute
{
    /// <summary>Creates a union case.</summary>
    /// <param name="key">The tag on the wire; unique within the base type.</param>
    /// <param name="subType">A <see cref="MessagePackObjectAttribute"/> type deriving from the base.</param>
    public UnionAttribute(int key, Type subType)
    {
        Key = key;
        SubType = subType;
    }

    /// <summary>The tag on the wire.</summary>
    public int Key { get; }

    /// <summary>The case's type.</summary>
    public Type SubType { get; }
}

/// <summary>Selects the constructor that deserialization calls, when the type has several.</summary>
[AttributeUsage(AttributeTargets.Constructor, Inherited = false)]
public sealed class SerializationConstructorAttribute : Attribute
{
}

/// <summary>
/// Serializes one field or property with a custom formatter: a <c>struct</c> with a parameterless
/// constructor that implements <see cref="IMessagePackFormatter{T}"/> for the member's type.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true)]
public sealed class MessagePackFormatterAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    public MessagePackFormatterAttribute(Type formatterType) => FormatterType = formatterType;

    /// <summary>The formatter's type.</summary>
    public Type FormatterType { get; }
}
