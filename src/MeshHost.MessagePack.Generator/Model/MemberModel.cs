namespace MeshHost.MessagePack.Generator.Model;

/// <summary>
/// One serialized field or property. <see cref="IntKey"/> is -1 in map form;
/// <see cref="StringKey"/> is null in array form.
/// </summary>
internal sealed record MemberModel(
    string Name,
    int IntKey,
    string? StringKey,
    string TypeName,
    string FormatterName);
