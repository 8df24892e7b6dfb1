using MeshHost.MessagePack.Generator.Model;

namespace MeshHost.MessagePack.Generator.Emit;

internal static partial class SourceEmitter
{
    // A union value is the array [tag, case value]; the case formatter writes the case's own body.
    private static void EmitUnionSerialize(SourceWriter writer, TypeModel type)
    {
        EmitNullCheckOnWrite(writer, type);
        for (int i = 0; i < type.UnionCases.Count; i++)
        {
            UnionCaseModel unionCase = type.UnionCases[i];
            writer.Open($"if (value is {unionCase.TypeName} __case{Int(i)})");
            writer.Line("writer.WriteArrayHeader(2);");
            writer.Line($"writer.Write({Int(unionCase.Tag)});");
            writer.Line($"default({SerializableFormatter(unionCase.TypeName)}).Serialize(ref writer, __case{Int(i)});");
            writer.Line("return;");
            writer.Close();
            writer.Line();
        }

        string message = StringLiteral($"' is not a registered union case of {type.DisplayName}; add [Union(tag, typeof(...))] to {type.DisplayName}");
        writer.Line($"throw new {KnownNames.GlobalException}(\"type '\" + value.GetType().FullName + {message});");
    }

    private static void EmitUnionDeserialize(SourceWriter writer, TypeModel type)
    {
        EmitNilOnRead(writer, type);
        writer.Open("if (reader.ReadArrayHeader() != 2)");
        writer.Line($"throw reader.CreateError({StringLiteral($"union {type.DisplayName} must be an array of 2 elements [tag, value]")});");
        writer.Close();
        writer.Line();
        writer.Line("reader.EnterNested();");
        writer.Line("int __tag = reader.ReadInt32();");
        writer.Line($"{type.FullyQualifiedName} __result;");
        writer.Open("switch (__tag)");
        foreach (UnionCaseModel unionCase in type.UnionCases)
        {
            writer.Line($"case {Int(unionCase.Tag)}:");
            writer.Line($"    __result = default({SerializableFormatter(unionCase.TypeName)}).Deserialize(ref reader);");
            writer.Line("    break;");
        }

        writer.Line("default:");
        writer.Line($"    throw reader.CreateError(\"unknown union tag \" + __tag.ToString(global::System.Globalization.CultureInfo.InvariantCulture) + {StringLiteral(" for " + type.DisplayName)});");
        writer.Close();
        writer.Line();
        writer.Line("reader.LeaveNested();");
        writer.Line("return __result;");
    }

    private static string SerializableFormatter(string typeName) =>
        $"{KnownNames.GlobalFormatters}SerializableFormatter<{typeName}>";
}
