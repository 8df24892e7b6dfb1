using System.Collections.Generic;
using MeshHost.MessagePack.Generator.Model;
using Microsoft.CodeAnalysis;

namespace MeshHost.MessagePack.Generator.Parsing;

internal sealed partial class TypeParser
{
    private TypeModel? BuildUnion()
    {
        var cases = new List<(int Tag, INamedTypeSymbol Type, int Depth)>();
        var tags = new HashSet<int>();
        var types = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        foreach (AttributeData attribute in _type.GetAttributes())
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (!attribute.AttributeClass.IsType(KnownNames.UnionAttribute) || attribute.ConstructorArguments.Length != 2)
            {
                continue;
            }

            Location location = attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken).GetLocation() ?? TypeLocation;
            if (attribute.ConstructorArguments[0].Value is not int tag
                || attribute.ConstructorArguments[1].Value is not ITypeSymbol caseType
                || caseType.ContainsErrorType())
            {
                // The compiler reports the malformed attribute itself.
                _failedSilently = true;
                continue;
            }

            if (!tags.Add(tag))
            {
                Report(DiagnosticDescriptors.DuplicateUnionTag, location, tag.ToString(System.Globalization.CultureInfo.InvariantCulture), TypeName);
                continue;
            }

            if (caseType is not INamedTypeSymbol named || named.IsUnboundGenericType || !types.Add(caseType) || !FormatterResolver.IsSerializable(caseType))
            {
                Report(DiagnosticDescriptors.UnionCaseNotSerializable, location, caseType.ToDisplayName(), TypeName);
                continue;
            }

            int depth = DerivationDepth(named);
            if (depth < 0)
            {
                Report(DiagnosticDescriptors.UnionCaseNotDerived, location, caseType.ToDisplayName(), TypeName);
                continue;
            }

            cases.Add((tag, named, depth));
        }

        if (_diagnostics.Count > 0 || _failedSilently)
        {
            return null;
        }

        // Most derived first, so that an 'is' test for a case never catches a case deriving from it.
        cases.Sort(static (a, b) => a.Depth != b.Depth ? b.Depth.CompareTo(a.Depth) : a.Tag.CompareTo(b.Tag));
        var models = new List<UnionCaseModel>(cases.Count);
        foreach ((int tag, INamedTypeSymbol type, _) in cases)
        {
            models.Add(new UnionCaseModel(tag, type.ToFullyQualified()));
        }

        return CreateTypeModel(null, models.ToEquatableArray());
    }

    /// <summary>How many steps up the base chain the union base is, or -1 when the case does not derive from it.</summary>
    private int DerivationDepth(INamedTypeSymbol caseType)
    {
        int depth = 0;
        for (INamedTypeSymbol? current = caseType.BaseType; current is not null; current = current.BaseType)
        {
            depth++;
            if (SymbolEqualityComparer.Default.Equals(current, _type))
            {
                return depth;
            }
        }

        return -1;
    }
}
