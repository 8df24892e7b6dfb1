using Microsoft.CodeAnalysis;

namespace MeshHost.MessagePack.Generator.Parsing;

/// <summary>
/// Maps a member type to the C# name of the <c>readonly struct</c> formatter that handles it,
/// recursively through nullable, enum, array, collection and tuple types.
/// </summary>
internal static class FormatterResolver
{
    // Deeper nesting than this is almost certainly a mistake, and the limit bounds the recursion.
    private const int MaxDepth = 16;

    /// <summary>The formatter's fully qualified name, or null when the type is not supported.</summary>
    public static string? Resolve(ITypeSymbol type) => Resolve(type, 0);

    /// <summary>
    /// Whether the type implements <c>IMessagePackSerializable&lt;itself&gt;</c>, or will once the
    /// generator runs on it (it carries [MessagePackObject] or [Union] in source).
    /// </summary>
    public static bool IsSerializable(ITypeSymbol type)
    {
        if (type is ITypeParameterSymbol parameter)
        {
            foreach (ITypeSymbol constraint in parameter.ConstraintTypes)
            {
                if (IsSelfSerializableInterface(constraint, type))
                {
                    return true;
                }
            }

            return false;
        }

        if (type is not INamedTypeSymbol named || named.IsUnboundGenericType)
        {
            return false;
        }

        if (named.OriginalDefinition.HasAttribute(KnownNames.MessagePackObjectAttribute)
            || named.OriginalDefinition.HasAttribute(KnownNames.UnionAttribute))
        {
            return true;
        }

        foreach (INamedTypeSymbol implemented in named.AllInterfaces)
        {
            if (IsSelfSerializableInterface(implemented, type))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsSelfSerializableInterface(ITypeSymbol candidate, ITypeSymbol self) =>
        candidate is INamedTypeSymbol { TypeArguments.Length: 1 } named
        && named.OriginalDefinition.IsType(KnownNames.SerializableInterface)
        && SymbolEqualityComparer.Default.Equals(named.TypeArguments[0], self);

    private static string? Resolve(ITypeSymbol type, int depth)
    {
        if (depth > MaxDepth)
        {
            return null;
        }

        if (Primitive(type.SpecialType) is { } primitive)
        {
            return KnownNames.GlobalFormatters + primitive;
        }

        switch (type)
        {
            case IArrayTypeSymbol array:
                return ResolveArray(array, depth);
            case ITypeParameterSymbol:
                return IsSerializable(type) ? Serializable(type) : null;
            case INamedTypeSymbol named:
                return ResolveNamed(named, depth);
            default:
                return null;
        }
    }

    private static string? ResolveArray(IArrayTypeSymbol array, int depth)
    {
        if (!array.IsSZArray)
        {
            return null;
        }

        if (array.ElementType.SpecialType == SpecialType.System_Byte)
        {
            return KnownNames.GlobalFormatters + "ByteArrayFormatter";
        }

        return Generic("ArrayFormatter", array.ElementType, depth);
    }

    private static string? ResolveNamed(INamedTypeSymbol named, int depth)
    {
        if (named.TypeKind == TypeKind.Enum)
        {
            if (named.EnumUnderlyingType is not { } underlying || Primitive(underlying.SpecialType) is not { } underlyingFormatter)
            {
                return null;
            }

            return $"{KnownNames.GlobalFormatters}EnumFormatter<{named.ToFullyQualified()}, {underlying.ToFullyQualified()}, {KnownNames.GlobalFormatters}{underlyingFormatter}>";
        }

        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            return Generic("NullableFormatter", named.TypeArguments[0], depth);
        }

        if (IsSerializable(named))
        {
            return Serializable(named);
        }

        if (!named.IsGenericType)
        {
            return named.GetMetadataFullName() switch
            {
                "System.DateTimeOffset" => KnownNames.GlobalFormatters + "DateTimeOffsetFormatter",
                "System.Guid" => KnownNames.GlobalFormatters + "GuidFormatter",
                "System.TimeSpan" => KnownNames.GlobalFormatters + "TimeSpanFormatter",
                _ => null,
            };
        }

        string definition = named.OriginalDefinition.GetMetadataFullName();
        if (definition is "System.ReadOnlyMemory`1" or "System.Memory`1")
        {
            return named.TypeArguments[0].SpecialType == SpecialType.System_Byte
                ? KnownNames.GlobalFormatters + (definition == "System.Memory`1" ? "MemoryByteFormatter" : "ReadOnlyMemoryByteFormatter")
                : null;
        }

        string? name = definition switch
        {
            "System.Collections.Generic.List`1" => "ListFormatter",
            "System.Collections.Generic.HashSet`1" => "HashSetFormatter",
            "System.Collections.Generic.IReadOnlyList`1" => "ReadOnlyListFormatter",
            "System.Collections.Generic.IList`1" => "InterfaceListFormatter",
            "System.Collections.Generic.Dictionary`2" => "DictionaryFormatter",
            "System.Collections.Generic.IReadOnlyDictionary`2" => "ReadOnlyDictionaryFormatter",
            "System.Collections.Generic.IDictionary`2" => "InterfaceDictionaryFormatter",
            "System.ValueTuple`2" or "System.ValueTuple`3" or "System.ValueTuple`4" => "ValueTupleFormatter",
            "System.Tuple`2" or "System.Tuple`3" or "System.Tuple`4" => "TupleFormatter",
            _ => null,
        };

        if (name is null)
        {
            return null;
        }

        // Generic formatters take the element types first, then one formatter per element type.
        var arguments = new string[named.TypeArguments.Length * 2];
        for (int i = 0; i < named.TypeArguments.Length; i++)
        {
            ITypeSymbol argument = named.TypeArguments[i];
            string? formatter = Resolve(argument, depth + 1);
            if (formatter is null)
            {
                return null;
            }

            arguments[i] = argument.ToFullyQualified();
            arguments[named.TypeArguments.Length + i] = formatter;
        }

        return $"{KnownNames.GlobalFormatters}{name}<{string.Join(", ", arguments)}>";
    }

    private static string? Generic(string formatter, ITypeSymbol element, int depth)
    {
        string? elementFormatter = Resolve(element, depth + 1);
        return elementFormatter is null
            ? null
            : $"{KnownNames.GlobalFormatters}{formatter}<{element.ToFullyQualified()}, {elementFormatter}>";
    }

    private static string Serializable(ITypeSymbol type) =>
        $"{KnownNames.GlobalFormatters}SerializableFormatter<{type.ToFullyQualified()}>";

    private static string? Primitive(SpecialType type) => type switch
    {
        SpecialType.System_Boolean => "BooleanFormatter",
        SpecialType.System_Byte => "ByteFormatter",
        SpecialType.System_SByte => "SByteFormatter",
        SpecialType.System_Int16 => "Int16Formatter",
        SpecialType.System_UInt16 => "UInt16Formatter",
        SpecialType.System_Int32 => "Int32Formatter",
        SpecialType.System_UInt32 => "UInt32Formatter",
        SpecialType.System_Int64 => "Int64Formatter",
        SpecialType.System_UInt64 => "UInt64Formatter",
        SpecialType.System_Single => "SingleFormatter",
        SpecialType.System_Double => "DoubleFormatter",
        SpecialType.System_Char => "CharFormatter",
        SpecialType.System_String => "StringFormatter",
        SpecialType.System_Decimal => "DecimalFormatter",
        SpecialType.System_DateTime => "DateTimeFormatter",
        _ => null,
    };
}
