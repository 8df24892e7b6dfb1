using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace MeshHost.MessagePack.Generator.Parsing;

internal sealed partial class TypeParser
{
    /// <summary>How deserialization builds the instance; the lists hold indexes into the member list.</summary>
    private sealed class Construction
    {
        public List<int> ConstructorArguments { get; } = new();

        public List<int> InitializerMembers { get; } = new();

        public List<int> AssignedMembers { get; } = new();
    }

    /// <summary>
    /// Chooses the constructor: a [SerializationConstructor]; else the parameterless one when every
    /// member is settable; else the one with the most parameters that all match members. Members
    /// not passed to it are set in the object initializer (init-only, required) or assigned
    /// afterwards only when present, so that field and property initialisers survive.
    /// </summary>
    private Construction? PlanConstruction(List<MemberCandidate> members)
    {
        IMethodSymbol? constructor = FindMarkedConstructor(out bool markedInvalid);
        if (markedInvalid)
        {
            return null;
        }

        int[]? arguments = null;
        if (constructor is not null)
        {
            arguments = MatchParameters(constructor, members, report: true);
            if (arguments is null)
            {
                return null;
            }
        }
        else if ((_type.IsValueType || FindParameterless() is not null) && AllSettable(members))
        {
            arguments = Array.Empty<int>();
        }
        else
        {
            foreach (IMethodSymbol candidate in _type.InstanceConstructors)
            {
                if (IsCopyConstructor(candidate)
                    || (constructor is not null && candidate.Parameters.Length <= constructor.Parameters.Length))
                {
                    continue;
                }

                if (MatchParameters(candidate, members, report: false) is { } matched)
                {
                    constructor = candidate;
                    arguments = matched;
                }
            }

            if (arguments is null && _type.IsValueType)
            {
                // A struct can always be created with its default value.
                arguments = Array.Empty<int>();
            }
        }

        if (arguments is null)
        {
            Report(DiagnosticDescriptors.NoUsableConstructor, TypeLocation, TypeName);
            return null;
        }

        bool setsRequired = constructor is not null && constructor.HasAttribute(KnownNames.SetsRequiredMembersAttribute);
        var construction = new Construction();
        construction.ConstructorArguments.AddRange(arguments);
        for (int i = 0; i < members.Count; i++)
        {
            MemberCandidate member = members[i];
            bool passed = Array.IndexOf(arguments, i) >= 0;
            if (member.IsRequired && !setsRequired)
            {
                // Required members must appear in the initializer even when the constructor takes them.
                construction.InitializerMembers.Add(i);
            }
            else if (passed)
            {
                continue;
            }
            else if (member.Setter == SetterKind.Init)
            {
                construction.InitializerMembers.Add(i);
            }
            else if (member.Setter == SetterKind.Assign)
            {
                construction.AssignedMembers.Add(i);
            }
            else
            {
                Report(DiagnosticDescriptors.MemberNotSettable, LocationOf(member.Symbol), member.Symbol.Name, TypeName);
            }
        }

        return construction;
    }

    private IMethodSymbol? FindMarkedConstructor(out bool invalid)
    {
        invalid = false;
        IMethodSymbol? marked = null;
        foreach (IMethodSymbol constructor in _type.InstanceConstructors)
        {
            if (!constructor.HasAttribute(KnownNames.SerializationConstructorAttribute))
            {
                continue;
            }

            if (marked is not null)
            {
                Report(DiagnosticDescriptors.InvalidSerializationConstructor, LocationOf(constructor), TypeName, "only one constructor may carry it");
                invalid = true;
                continue;
            }

            marked = constructor;
        }

        return marked;
    }

    private IMethodSymbol? FindParameterless()
    {
        foreach (IMethodSymbol constructor in _type.InstanceConstructors)
        {
            if (constructor.Parameters.Length == 0)
            {
                return constructor;
            }
        }

        return null;
    }

    private static bool AllSettable(List<MemberCandidate> members)
    {
        foreach (MemberCandidate member in members)
        {
            if (member.Setter == SetterKind.None)
            {
                return false;
            }
        }

        return true;
    }

    private bool IsCopyConstructor(IMethodSymbol constructor) =>
        _type.IsRecord
        && constructor.Parameters.Length == 1
        && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type, _type);

    /// <summary>Member indexes for each parameter in order, or null when a parameter matches no member.</summary>
    private int[]? MatchParameters(IMethodSymbol constructor, List<MemberCandidate> members, bool report)
    {
        var matched = new int[constructor.Parameters.Length];
        bool ok = true;
        for (int i = 0; i < matched.Length; i++)
        {
            IParameterSymbol parameter = constructor.Parameters[i];
            matched[i] = FindMember(parameter, members, matched, i);
            if (matched[i] >= 0)
            {
                continue;
            }

            ok = false;
            if (!report)
            {
                break;
            }

            Report(
                DiagnosticDescriptors.InvalidSerializationConstructor,
                LocationOf(constructor),
                TypeName,
                $"parameter '{parameter.Name}' matches no other serialized member by name (ignoring case) and type");
        }

        return ok ? matched : null;
    }

    /// <summary>
    /// The member a parameter binds to: same name (exact case preferred, else ignoring case) and
    /// same type, not already bound to one of the first <paramref name="takenCount"/> parameters.
    /// </summary>
    private static int FindMember(IParameterSymbol parameter, List<MemberCandidate> members, int[] taken, int takenCount)
    {
        int found = -1;
        for (int i = 0; i < members.Count; i++)
        {
            MemberCandidate member = members[i];
            if (Array.IndexOf(taken, i, 0, takenCount) >= 0
                || !string.Equals(member.Symbol.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)
                || !SymbolEqualityComparer.Default.Equals(member.Type, parameter.Type))
            {
                continue;
            }

            if (member.Symbol.Name == parameter.Name)
            {
                return i;
            }

            found = found < 0 ? i : found;
        }

        return found;
    }

    /// <summary>The symbol's source location, or the type's when the symbol comes from metadata.</summary>
    private Location LocationOf(ISymbol symbol)
    {
        foreach (Location location in symbol.Locations)
        {
            if (location.IsInSource)
            {
                return location;
            }
        }

        return TypeLocation;
    }
}
