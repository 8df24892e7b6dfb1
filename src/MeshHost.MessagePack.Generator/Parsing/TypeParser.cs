using System.Collections.Generic;
using System.Text;
using System.Threading;
using MeshHost.MessagePack.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MeshHost.MessagePack.Generator.Parsing;

/// <summary>
/// Turns one annotated type into an equatable <see cref="TypeModel"/> plus diagnostics. This is
/// the generator's transform step: it is the only place that looks at symbols.
/// </summary>
internal sealed partial class TypeParser
{
    private readonly Compilation _compilation;
    private readonly INamedTypeSymbol _type;
    private readonly TypeDeclarationSyntax _syntax;
    private readonly CancellationToken _cancellationToken;
    private readonly List<DiagnosticInfo> _diagnostics = new();
    private bool _failedSilently;

    private TypeParser(GeneratorAttributeSyntaxContext context, INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        _compilation = context.SemanticModel.Compilation;
        _type = type;
        _syntax = (TypeDeclarationSyntax)context.TargetNode;
        _cancellationToken = cancellationToken;
    }

    private string TypeName => _type.ToDisplayName();

    /// <summary>Parses a <c>[MessagePackObject]</c> type; null when another step handles it.</summary>
    public static ParseResult? ParseObject(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type
            || !IsFirstDeclaration(context, KnownNames.MessagePackObjectAttribute, cancellationToken)
            || type.HasAttribute(KnownNames.UnionAttribute))
        {
            // A union base that also says [MessagePackObject] is generated once, as a union.
            return null;
        }

        var parser = new TypeParser(context, type, cancellationToken);
        TypeModel? model = parser.CheckObjectShape() && parser.CheckPartial() ? parser.BuildObject() : null;
        return parser.Result(model);
    }

    /// <summary>Parses a union base (a type carrying <c>[Union]</c>); null when another step handles it.</summary>
    public static ParseResult? ParseUnion(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type
            || !IsFirstDeclaration(context, KnownNames.UnionAttribute, cancellationToken))
        {
            return null;
        }

        var parser = new TypeParser(context, type, cancellationToken);
        TypeModel? model = parser.CheckUnionShape() && parser.CheckPartial() ? parser.BuildUnion() : null;
        return parser.Result(model);
    }

    /// <summary>
    /// The attribute provider fires once per partial declaration that holds the attribute; only
    /// the declaration holding the type's first such attribute continues, so each type is emitted once.
    /// </summary>
    private static bool IsFirstDeclaration(GeneratorAttributeSyntaxContext context, string attributeName, CancellationToken cancellationToken)
    {
        AttributeData? first = context.TargetSymbol.FindAttribute(attributeName);
        if (first?.ApplicationSyntaxReference is not { } reference)
        {
            return true;
        }

        return reference.SyntaxTree == context.TargetNode.SyntaxTree
            && context.TargetNode.Span.Contains(reference.GetSyntax(cancellationToken).Span);
    }

    private ParseResult Result(TypeModel? model) =>
        new(_diagnostics.Count == 0 && !_failedSilently ? model : null, _diagnostics.ToEquatableArray());

    private void Report(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));

    private Location TypeLocation => _syntax.Identifier.GetLocation();

    private bool CheckObjectShape()
    {
        string? kind = _type switch
        {
            { TypeKind: TypeKind.Interface } => "an interface",
            { IsStatic: true } => "a static class",
            { IsRefLikeType: true } => "a ref struct",
            { IsFileLocal: true } => "a file-local type",
            { TypeKind: TypeKind.Class or TypeKind.Struct } => null,
            _ => "not a class or struct",
        };

        if (kind is not null)
        {
            Report(DiagnosticDescriptors.UnsupportedTypeKind, TypeLocation, TypeName, kind);
            return false;
        }

        if (_type.IsAbstract)
        {
            Report(DiagnosticDescriptors.AbstractObject, TypeLocation, TypeName);
            return false;
        }

        return true;
    }

    private bool CheckUnionShape()
    {
        if (_type.TypeKind == TypeKind.Interface)
        {
            Report(DiagnosticDescriptors.UnionOnInterface, TypeLocation, TypeName);
            return false;
        }

        if (_type.TypeKind != TypeKind.Class || !_type.IsAbstract || _type.IsStatic)
        {
            Report(DiagnosticDescriptors.UnionBaseNotAbstract, TypeLocation, TypeName);
            return false;
        }

        if (_type.IsFileLocal)
        {
            Report(DiagnosticDescriptors.UnsupportedTypeKind, TypeLocation, TypeName, "a file-local type");
            return false;
        }

        return true;
    }

    private bool CheckPartial()
    {
        bool ok = true;
        if (!_syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            Report(DiagnosticDescriptors.TypeNotPartial, TypeLocation, TypeName);
            ok = false;
        }

        for (SyntaxNode? node = _syntax.Parent; node is not null; node = node.Parent)
        {
            if (node is TypeDeclarationSyntax containing && !containing.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                Report(DiagnosticDescriptors.ContainingTypeNotPartial, containing.Identifier.GetLocation(), containing.Identifier.ValueText, TypeName);
                ok = false;
            }
        }

        return ok;
    }

    private TypeModel CreateTypeModel(ObjectModel? objectModel, EquatableArray<UnionCaseModel> unionCases)
    {
        var containing = new List<string>();
        for (INamedTypeSymbol? outer = _type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            containing.Insert(0, Declaration(outer));
        }

        string ns = _type.ContainingNamespace is { IsGlobalNamespace: false } containingNamespace
            ? containingNamespace.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Substring("global::".Length)
            : string.Empty;

        return new TypeModel(
            HintName(),
            ns,
            containing.ToEquatableArray(),
            Declaration(_type),
            _type.ToFullyQualified(),
            TypeName,
            _type.IsValueType,
            objectModel,
            unionCases);
    }

    /// <summary><c>partial record struct Name&lt;T&gt;</c>: the keyword must match the user's declaration.</summary>
    private static string Declaration(INamedTypeSymbol type)
    {
        string keyword = type.TypeKind switch
        {
            TypeKind.Struct => type.IsRecord ? "record struct" : "struct",
            TypeKind.Interface => "interface",
            _ => type.IsRecord ? "record" : "class",
        };

        var builder = new StringBuilder("partial ").Append(keyword).Append(' ').Append(SymbolExtensions.EscapeIdentifier(type.Name));
        if (type.TypeParameters.Length > 0)
        {
            builder.Append('<');
            for (int i = 0; i < type.TypeParameters.Length; i++)
            {
                // No variance: an interface with variant type parameters cannot contain types.
                builder.Append(i == 0 ? string.Empty : ", ");
                builder.Append(SymbolExtensions.EscapeIdentifier(type.TypeParameters[i].Name));
            }

            builder.Append('>');
        }

        return builder.ToString();
    }

    /// <summary><c>Ns.Outer.Envelope_1.MessagePack.g.cs</c>: unique per type, valid as a file name.</summary>
    private string HintName()
    {
        var builder = new StringBuilder();
        string metadataName = _type.GetMetadataFullName();
        foreach (char c in metadataName)
        {
            builder.Append(c is '`' ? '_' : c is '+' ? '.' : c);
        }

        return builder.Append(".MessagePack.g.cs").ToString();
    }
}
