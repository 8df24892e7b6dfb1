using MeshHost.MessagePack.Generator.Emit;
using MeshHost.MessagePack.Generator.Model;
using MeshHost.MessagePack.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MeshHost.MessagePack.Generator;

/// <summary>
/// Implements IMessagePackSerializable&lt;T&gt; for every <c>[MessagePackObject]</c> type and every
/// <c>[Union]</c> base, one file per type. The transform step reduces each type to an equatable
/// model, so an edit elsewhere in the compilation does not regenerate it.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class MessagePackGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult?> objects = context.SyntaxProvider.ForAttributeWithMetadataName(
            KnownNames.MessagePackObjectAttribute,
            static (node, _) => node is TypeDeclarationSyntax,
            static (context, cancellationToken) => TypeParser.ParseObject(context, cancellationToken));

        IncrementalValuesProvider<ParseResult?> unions = context.SyntaxProvider.ForAttributeWithMetadataName(
            KnownNames.UnionAttribute,
            static (node, _) => node is TypeDeclarationSyntax,
            static (context, cancellationToken) => TypeParser.ParseUnion(context, cancellationToken));

        context.RegisterSourceOutput(objects, static (context, result) => Emit(context, result));
        context.RegisterSourceOutput(unions, static (context, result) => Emit(context, result));
    }

    private static void Emit(SourceProductionContext context, ParseResult? result)
    {
        if (result is null)
        {
            return;
        }

        foreach (DiagnosticInfo diagnostic in result.Diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic());
        }

        if (result.Type is { } type)
        {
            context.AddSource(type.HintName, SourceEmitter.Emit(type));
        }
    }
}
