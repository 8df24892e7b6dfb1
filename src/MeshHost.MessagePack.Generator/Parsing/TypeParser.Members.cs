using System.Collections.Generic;
using MeshHost.MessagePack.Generator.Model;
using Microsoft.CodeAnalysis;

namespace MeshHost.MessagePack.Generator.Parsing;

internal sealed partial class TypeParser
{
    private enum SetterKind
    {
        None,
        Assign,
        Init,
    }

    /// <summary>A serialized member while the parser still needs its symbol.</summary>
    private sealed class MemberCandidate(ISymbol symbol, ITypeSymbol type, int intKey, string? stringKey)
    {
        public ISymbol Symbol { get; } = symbol;

        public ITypeSymbol Type { get; } = type;

        public int IntKey { get; } = intKey;

        public string? StringKey { get; } = stringKey;

        public string Formatter { get; set; } = string.Empty;

        public SetterKind Setter { get; set; }

        public bool IsRequired { get; set; }

        public string KeyText => StringKey is null ? IntKey.ToString(System.Globalization.CultureInfo.InvariantCulture) : "\"" + StringKey + "\"";
    }

    private TypeModel? BuildObject()
    {
        AttributeData? objectAttribute = _type.FindAttribute(KnownNames.MessagePackObjectAttribute);
        bool keyAsPropertyName = objectAttribute is not null && ReadKeyAsPropertyName(objectAttribute);

        List<MemberCandidate> members = CollectMembers(keyAsPropertyName);
        bool isMap = CheckKeys(members, keyAsPropertyName);
        if (!isMap)
        {
            // The array form is written by key; the map form keeps declaration order, base members first.
            members.Sort(static (a, b) => a.IntKey.CompareTo(b.IntKey));
        }

        if (_diagnostics.Count > 0 || _failedSilently)
        {
            // A member dropped above would only make constructor matching report errors of its own.
            return null;
        }

        Construction? construction = PlanConstruction(members);
        if (_diagnostics.Count > 0 || construction is null)
        {
            return null;
        }

        var models = new List<MemberModel>(members.Count);
        int arrayLength = 0;
        foreach (MemberCandidate member in members)
        {
            models.Add(new MemberModel(
                SymbolExtensions.EscapeIdentifier(member.Symbol.Name),
                member.IntKey,
                member.StringKey,
                member.Type.ToFullyQualified(),
                member.Formatter));
            arrayLength = isMap ? arrayLength + 1 : member.IntKey + 1;
        }

        var objectModel = new ObjectModel(
            isMap,
            arrayLength,
            models.ToEquatableArray(),
            construction.ConstructorArguments.ToEquatableArray(),
            construction.InitializerMembers.ToEquatableArray(),
            construction.AssignedMembers.ToEquatableArray());
        return CreateTypeModel(objectModel, EquatableArray<UnionCaseModel>.Empty);
    }

    private static bool ReadKeyAsPropertyName(AttributeData attribute)
    {
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            if (named.Key == "KeyAsPropertyName" && named.Value.Value is bool namedValue)
            {
                return namedValue;
            }
        }

        return attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is true;
    }

    /// <summary>
    /// Walks the type and its bases (most derived first, so that a member hides or overrides the
    /// base member of the same name) and returns the serialized members, base members first.
    /// </summary>
    private List<MemberCandidate> CollectMembers(bool keyAsPropertyName)
    {
        var levels = new List<List<MemberCandidate>>();
        var seen = new HashSet<string>();
        for (INamedTypeSymbol? current = _type; current is not null; current = current.BaseType)
        {
            if (current.SpecialType is SpecialType.System_Object or SpecialType.System_ValueType)
            {
                break;
            }

            var level = new List<MemberCandidate>();
            levels.Insert(0, level);
            bool inherited = !SymbolEqualityComparer.Default.Equals(current, _type);
            foreach (ISymbol symbol in current.GetMembers())
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (symbol.IsStatic
                    || symbol.IsImplicitlyDeclared
                    || !symbol.CanBeReferencedByName
                    || symbol is not (IFieldSymbol or IPropertySymbol { IsIndexer: false })
                    || !seen.Add(symbol.Name)
                    || (inherited && !_compilation.IsSymbolAccessibleWithin(symbol, _type, _type))
                    || symbol.FindAttributeIncludingOverridden(KnownNames.IgnoreMemberAttribute) is not null)
                {
                    continue;
                }

                if (CreateCandidate(symbol, inherited, keyAsPropertyName) is { } candidate)
                {
                    level.Add(candidate);
                }
            }
        }

        var members = new List<MemberCandidate>();
        foreach (List<MemberCandidate> level in levels)
        {
            members.AddRange(level);
        }

        return members;
    }

    private MemberCandidate? CreateCandidate(ISymbol symbol, bool inherited, bool keyAsPropertyName)
    {
        ITypeSymbol type = symbol is IFieldSymbol field ? field.Type : ((IPropertySymbol)symbol).Type;
        Location location = LocationOf(symbol);
        bool isPublic = symbol.DeclaredAccessibility == Accessibility.Public;

        MemberCandidate candidate;
        if (symbol.FindAttributeIncludingOverridden(KnownNames.KeyAttribute) is { ConstructorArguments.Length: 1 } key)
        {
            object? value = key.ConstructorArguments[0].Value;
            if (value is int intKey && intKey >= 0)
            {
                candidate = new MemberCandidate(symbol, type, intKey, null);
            }
            else if (value is string stringKey)
            {
                candidate = new MemberCandidate(symbol, type, -1, stringKey);
            }
            else
            {
                Report(DiagnosticDescriptors.InvalidKey, location, symbol.Name, TypeName, value?.ToString() ?? "null");
                return null;
            }
        }
        else if (keyAsPropertyName && isPublic)
        {
            candidate = new MemberCandidate(symbol, type, -1, symbol.Name);
        }
        else
        {
            if (isPublic && !inherited && !keyAsPropertyName)
            {
                Report(DiagnosticDescriptors.MemberWithoutKey, location, symbol.Name, TypeName);
            }

            return null;
        }

        if (symbol is IPropertySymbol property)
        {
            if (property.GetMethod is null || !_compilation.IsSymbolAccessibleWithin(property.GetMethod, _type, _type))
            {
                Report(DiagnosticDescriptors.MemberNotReadable, location, symbol.Name, TypeName);
                return null;
            }

            candidate.IsRequired = property.IsRequired;
            candidate.Setter = property.SetMethod is { } setter && _compilation.IsSymbolAccessibleWithin(setter, _type, _type)
                ? (setter.IsInitOnly ? SetterKind.Init : SetterKind.Assign)
                : SetterKind.None;
        }
        else
        {
            var fieldSymbol = (IFieldSymbol)symbol;
            candidate.IsRequired = fieldSymbol.IsRequired;
            candidate.Setter = fieldSymbol.IsReadOnly ? SetterKind.None : SetterKind.Assign;
        }

        string? formatter = ResolveFormatter(symbol, type, location);
        if (formatter is null)
        {
            return null;
        }

        candidate.Formatter = formatter;
        return candidate;
    }

    private string? ResolveFormatter(ISymbol member, ITypeSymbol type, Location? location)
    {
        if (member.FindAttributeIncludingOverridden(KnownNames.MessagePackFormatterAttribute) is { } custom)
        {
            if (custom.ConstructorArguments.Length == 1
                && custom.ConstructorArguments[0].Value is INamedTypeSymbol formatterType
                && formatterType.TypeKind == TypeKind.Struct
                && !formatterType.IsUnboundGenericType
                && ImplementsFormatterFor(formatterType, type))
            {
                return formatterType.ToFullyQualified();
            }

            string name = custom.ConstructorArguments.Length == 1 && custom.ConstructorArguments[0].Value is ITypeSymbol given
                ? given.ToDisplayName()
                : "?";
            Report(DiagnosticDescriptors.InvalidFormatterType, location, name, member.Name, TypeName, type.ToDisplayName());
            return null;
        }

        if (FormatterResolver.Resolve(type) is { } formatter)
        {
            return formatter;
        }

        if (type.ContainsErrorType())
        {
            // The compiler already reports the unknown type; another error would only add noise.
            _failedSilently = true;
            return null;
        }

        Report(DiagnosticDescriptors.UnsupportedMemberType, location, member.Name, TypeName, type.ToDisplayName());
        return null;
    }

    private static bool ImplementsFormatterFor(INamedTypeSymbol formatterType, ITypeSymbol memberType)
    {
        foreach (INamedTypeSymbol implemented in formatterType.AllInterfaces)
        {
            if (implemented.OriginalDefinition.IsType(KnownNames.FormatterInterface)
                && SymbolEqualityComparer.Default.Equals(implemented.TypeArguments[0], memberType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Checks keys for duplicates and for mixed forms; returns whether the type uses the map form.</summary>
    private bool CheckKeys(List<MemberCandidate> members, bool keyAsPropertyName)
    {
        bool isMap = keyAsPropertyName;
        if (!isMap)
        {
            foreach (MemberCandidate member in members)
            {
                isMap = member.StringKey is not null;
                break;
            }
        }

        var intKeys = new Dictionary<int, MemberCandidate>();
        var stringKeys = new Dictionary<string, MemberCandidate>(System.StringComparer.Ordinal);
        foreach (MemberCandidate member in members)
        {
            Location location = LocationOf(member.Symbol);
            if ((member.StringKey is not null) != isMap)
            {
                Report(
                    DiagnosticDescriptors.MixedKeys,
                    location,
                    member.Symbol.Name,
                    TypeName,
                    isMap ? "integer" : "string",
                    isMap ? "string" : "integer");
                continue;
            }

            MemberCandidate? previous;
            bool duplicate = member.StringKey is { } stringKey
                ? !TryAdd(stringKeys, stringKey, member, out previous)
                : !TryAdd(intKeys, member.IntKey, member, out previous);
            if (duplicate && previous is not null)
            {
                Report(DiagnosticDescriptors.DuplicateKey, location, member.Symbol.Name, TypeName, member.KeyText, previous.Symbol.Name);
            }
        }

        return isMap;
    }

    private static bool TryAdd<TKey>(Dictionary<TKey, MemberCandidate> map, TKey key, MemberCandidate member, out MemberCandidate? previous)
    {
        if (map.TryGetValue(key, out previous))
        {
            return false;
        }

        map.Add(key, member);
        return true;
    }
}
