using System.Diagnostics.CodeAnalysis;

namespace MeshHost.Bench.Suites;

/// <summary>Every <see cref="ISuite"/> in this assembly, found by reflection so a new suite needs no registration.</summary>
internal static class SuiteRegistry
{
    private static readonly ISuite[] Suites = Discover();

    /// <summary>The suites, ordered by name.</summary>
    public static IReadOnlyList<ISuite> All => Suites;

    /// <summary>Finds a suite by its command-line name (case-insensitive).</summary>
    public static bool TryFind(string name, [NotNullWhen(true)] out ISuite? suite)
    {
        foreach (ISuite candidate in Suites)
        {
            if (string.Equals(candidate.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                suite = candidate;
                return true;
            }
        }

        suite = null;
        return false;
    }

    /// <summary>The suite names joined for a message: "a, b, c".</summary>
    public static string Names()
    {
        var names = new string[Suites.Length];
        for (int i = 0; i < Suites.Length; i++)
        {
            names[i] = Suites[i].Name;
        }

        return string.Join(", ", names);
    }

    private static ISuite[] Discover()
    {
        var found = new List<ISuite>();
        foreach (Type type in typeof(SuiteRegistry).Assembly.GetTypes())
        {
            if (type.IsClass && !type.IsAbstract && typeof(ISuite).IsAssignableFrom(type))
            {
                found.Add((ISuite)Activator.CreateInstance(type)!);
            }
        }

        found.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return [.. found];
    }
}
