namespace MeshHost.MessagePack.Generator.Model;

/// <summary>
/// One type to generate. Every type name is already rendered as fully qualified C#
/// (<c>global::Ns.Outer.Type&lt;T&gt;</c>), so the emitter needs no symbols.
/// </summary>
internal sealed record TypeModel(
    string HintName,
    string Namespace,
    EquatableArray<string> ContainingTypeDeclarations,
    string Declaration,
    string FullyQualifiedName,
    string DisplayName,
    bool IsValueType,
    ObjectModel? Object,
    EquatableArray<UnionCaseModel> UnionCases);
