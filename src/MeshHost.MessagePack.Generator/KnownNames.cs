namespace MeshHost.MessagePack.Generator;

/// <summary>Metadata names of the runtime types the generator recognises and the C# names it emits.</summary>
internal static class KnownNames
{
    public const string MessagePackObjectAttribute = "MeshHost.MessagePack.MessagePackObjectAttribute";
    public const string UnionAttribute = "MeshHost.MessagePack.UnionAttribute";
    public const string KeyAttribute = "MeshHost.MessagePack.KeyAttribute";
    public const string IgnoreMemberAttribute = "MeshHost.MessagePack.IgnoreMemberAttribute";
    public const string SerializationConstructorAttribute = "MeshHost.MessagePack.SerializationConstructorAttribute";
    public const string MessagePackFormatterAttribute = "MeshHost.MessagePack.MessagePackFormatterAttribute";
    public const string SerializableInterface = "MeshHost.MessagePack.IMessagePackSerializable`1";
    public const string FormatterInterface = "MeshHost.MessagePack.IMessagePackFormatter`1";
    public const string SetsRequiredMembersAttribute = "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute";

    public const string GlobalSerializable = "global::MeshHost.MessagePack.IMessagePackSerializable";
    public const string GlobalWriter = "global::MeshHost.MessagePack.MessagePackWriter";
    public const string GlobalReader = "global::MeshHost.MessagePack.MessagePackReader";
    public const string GlobalMessagePackType = "global::MeshHost.MessagePack.MessagePackType";
    public const string GlobalException = "global::MeshHost.MessagePack.MessagePackSerializationException";
    public const string GlobalFormatters = "global::MeshHost.MessagePack.Formatters.";
}
