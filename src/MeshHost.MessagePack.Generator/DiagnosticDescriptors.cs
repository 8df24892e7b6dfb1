using Microsoft.CodeAnalysis;

namespace MeshHost.MessagePack.Generator;

/// <summary>
/// Every diagnostic the generator reports. Ids are stable (they are listed in
/// AnalyzerReleases.Unshipped.md); each message says what to change.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "MeshHost.MessagePack";

    public static readonly DiagnosticDescriptor TypeNotPartial = Create(
        "MPK001",
        "MessagePack type must be partial",
        "Type '{0}' must be declared 'partial' so that the MessagePack generator can add its serializer");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Create(
        "MPK002",
        "Type containing a MessagePack type must be partial",
        "Type '{0}' contains the MessagePack type '{1}' and must be declared 'partial' too");

    public static readonly DiagnosticDescriptor MemberWithoutKey = Create(
        "MPK003",
        "Public member has neither [Key] nor [IgnoreMember]",
        "Public member '{0}' of '{1}' must have [Key(...)] to be serialized or [IgnoreMember] to be skipped (or use [MessagePackObject(keyAsPropertyName: true)])");

    public static readonly DiagnosticDescriptor DuplicateKey = Create(
        "MPK004",
        "Duplicate MessagePack key",
        "Member '{0}' of '{1}' uses key {2}, which member '{3}' already uses; give each member its own key");

    public static readonly DiagnosticDescriptor MixedKeys = Create(
        "MPK005",
        "Integer and string keys mixed",
        "Member '{0}' of '{1}' has a {2} key but other members have {3} keys; use integer keys (array form) or string keys (map form) for all members");

    public static readonly DiagnosticDescriptor InvalidKey = Create(
        "MPK006",
        "Invalid MessagePack key",
        "Member '{0}' of '{1}' has key {2}; integer keys must be 0 or more and string keys must not be null");

    public static readonly DiagnosticDescriptor UnsupportedMemberType = Create(
        "MPK007",
        "Member type has no MessagePack formatter",
        "Member '{0}' of '{1}' has type '{2}', which has no MessagePack formatter; use a supported type, mark '{2}' [MessagePackObject], or put [MessagePackFormatter(typeof(...))] on the member");

    public static readonly DiagnosticDescriptor MemberNotSettable = Create(
        "MPK008",
        "Serialized member cannot be set on deserialization",
        "Member '{0}' of '{1}' has no setter and no matching constructor parameter; add a 'set' or 'init' accessor, add a constructor parameter with the same name and type, or mark it [IgnoreMember]");

    public static readonly DiagnosticDescriptor NoUsableConstructor = Create(
        "MPK009",
        "No constructor for deserialization",
        "Type '{0}' has no constructor that deserialization can call; add a parameterless constructor with settable members, a constructor whose parameters match serialized members by name and type, or mark one [SerializationConstructor]");

    public static readonly DiagnosticDescriptor UnionOnInterface = Create(
        "MPK010",
        "Union base cannot be an interface",
        "Interface '{0}' cannot be a [Union] base; use an abstract partial class or record instead");

    public static readonly DiagnosticDescriptor DuplicateUnionTag = Create(
        "MPK011",
        "Duplicate union tag",
        "Union tag {0} on '{1}' is used more than once; give each case its own tag");

    public static readonly DiagnosticDescriptor UnionCaseNotDerived = Create(
        "MPK012",
        "Union case does not derive from the base",
        "Union case '{0}' does not derive from '{1}'; a case must be a class or record that inherits the union base");

    public static readonly DiagnosticDescriptor InvalidFormatterType = Create(
        "MPK013",
        "Invalid [MessagePackFormatter] type",
        "Formatter '{0}' on member '{1}' of '{2}' must be a closed struct type implementing IMessagePackFormatter<{3}>");

    public static readonly DiagnosticDescriptor UnionBaseNotAbstract = Create(
        "MPK014",
        "Union base must be abstract",
        "Union base '{0}' must be an abstract class or record; mark it 'abstract'");

    public static readonly DiagnosticDescriptor InvalidSerializationConstructor = Create(
        "MPK015",
        "Invalid [SerializationConstructor]",
        "[SerializationConstructor] on '{0}': {1}");

    public static readonly DiagnosticDescriptor AbstractObject = Create(
        "MPK016",
        "Abstract [MessagePackObject] type",
        "Abstract type '{0}' cannot be deserialized; make it concrete, or make it a union base with [Union(tag, typeof(Case))] attributes instead of [MessagePackObject]");

    public static readonly DiagnosticDescriptor UnsupportedTypeKind = Create(
        "MPK017",
        "Type kind not supported",
        "'{0}' is {1}, which the MessagePack generator cannot extend; use a non-static, non-file-local class, struct, record or record struct");

    public static readonly DiagnosticDescriptor MemberNotReadable = Create(
        "MPK018",
        "Serialized member has no getter",
        "Member '{0}' of '{1}' has no accessible getter; add a 'get' accessor or mark it [IgnoreMember]");

    public static readonly DiagnosticDescriptor UnionCaseNotSerializable = Create(
        "MPK019",
        "Union case is not a MessagePack type",
        "Union case '{0}' of '{1}' must be a closed type marked [MessagePackObject] (or implement IMessagePackSerializable<{0}>), and appear only once");

    private static DiagnosticDescriptor Create(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
