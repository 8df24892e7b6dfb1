namespace MeshHost.MessagePack.Generator.Model;

/// <summary>One <c>[Union]</c> case; the cases of a base are stored most-derived first.</summary>
internal sealed record UnionCaseModel(int Tag, string TypeName);
