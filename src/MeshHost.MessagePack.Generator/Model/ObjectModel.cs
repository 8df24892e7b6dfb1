namespace MeshHost.MessagePack.Generator.Model;

/// <summary>
/// The serialized members of a <c>[MessagePackObject]</c> type and how to build an instance.
/// <see cref="ArrayLength"/> is max key + 1 in array form and the member count in map form.
/// </summary>
internal sealed record ObjectModel(
    bool IsMap,
    int ArrayLength,
    EquatableArray<MemberModel> Members,
    EquatableArray<int> ConstructorArguments,
    EquatableArray<int> InitializerMembers,
    EquatableArray<int> AssignedMembers);
