using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MeshHost.MessagePack.Generator.Parsing;

internal static class SymbolExtensions
{
    /// <summary>Renders a type as <c>global::</c>-qualified C# without nullable reference annotations.</summary>
    public static string ToFullyQualified(this ITypeSymbol type) =>
        type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    /// <summary>A name for messages: namespace-qualified, without <c>global::</c>.</summary>
    public static string ToDisplayName(this ISymbol symbol) =>
        symbol.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);

    /// <summary>The CLR name of a non-nested type, e.g. <c>System.Collections.Generic.List`1</c>.</summary>
    public static string GetMetadataFullName(this INamedTypeSymbol type)
    {
        if (type.ContainingType is { } containing)
        {
            return containing.GetMetadataFullName() + "+" + type.MetadataName;
        }

        var builder = new StringBuilder();
        AppendNamespace(builder, type.ContainingNamespace);
        return builder.Append(type.MetadataName).ToString();
    }

    public static bool IsType(this ITypeSymbol? type, string metadataFullName) =>
        type is INamedTypeSymbol named && named.GetMetadataFullName() == metadataFullName;

    public static AttributeData? FindAttribute(this ISymbol symbol, string metadataFullName)
    {
        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass.IsType(metadataFullName))
            {
                return attribute;
            }
        }

        return null;
    }

    public static bool HasAttribute(this ISymbol symbol, string metadataFullName) =>
        symbol.FindAttribute(metadataFullName) is not null;

    /// <summary>The attribute on a member or on a member it overrides (attributes are not inherited by Roslyn).</summary>
    public static AttributeData? FindAttributeIncludingOverridden(this ISymbol member, string metadataFullName)
    {
        for (ISymbol? current = member; current is not null; current = GetOverridden(current))
        {
            if (current.FindAttribute(metadataFullName) is { } attribute)
            {
                return attribute;
            }
        }

        return null;
    }

    public static string EscapeIdentifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    public static bool ContainsErrorType(this ITypeSymbol type)
    {
        switch (type)
        {
            case IErrorTypeSymbol:
                return true;
            case IArrayTypeSymbol array:
                return array.ElementType.ContainsErrorType();
            case INamedTypeSymbol named:
                foreach (ITypeSymbol argument in named.TypeArguments)
                {
                    if (argument.ContainsErrorType())
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static ISymbol? GetOverridden(ISymbol symbol) => symbol switch
    {
        IPropertySymbol property => property.OverriddenProperty,
        _ => null,
    };

    private static void AppendNamespace(StringBuilder builder, INamespaceSymbol? ns)
    {
        if (ns is null || ns.IsGlobalNamespace)
        {
            return;
        }

        AppendNamespace(builder, ns.ContainingNamespace);
        builder.Append(ns.MetadataName).Append('.');
    }
}
