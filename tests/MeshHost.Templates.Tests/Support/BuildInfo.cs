using System.Reflection;

namespace MeshHost.Templates.Tests.Support;

/// <summary>What the build of this test project recorded: where the repository is, its configuration, and the host it built.</summary>
internal static class BuildInfo
{
    /// <summary>The repository root (holds MeshHost.sln).</summary>
    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    /// <summary>The configuration the solution was built in; the packages are packed from that build.</summary>
    public static string Configuration { get; } = Metadata("Configuration");

    /// <summary>The built <c>meshhost.dll</c>, run with <c>dotnet</c>.</summary>
    public static string MeshHostAssembly { get; } = Metadata("MeshHostAssembly");

    private static string Metadata(string key)
    {
        foreach (AssemblyMetadataAttribute attribute in typeof(BuildInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>())
        {
            if (attribute.Key == key && !string.IsNullOrEmpty(attribute.Value))
            {
                return attribute.Value;
            }
        }

        throw new InvalidOperationException($"The test assembly has no '{key}' metadata; MeshHost.Templates.Tests.csproj records it at build time.");
    }
}
