using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Loading;

/// <summary>
/// The versioning rule: a plugin runs only on a host whose SDK has the plugin's major version and is
/// at least as new as both the manifest's <c>minimumSdkVersion</c> and the SDK the assembly was
/// actually compiled against (read from its metadata, without loading it).
/// </summary>
internal static class SdkCompatibility
{
    public const string SdkAssemblyName = "MeshHost.Sdk";

    /// <summary>Why the manifest's minimum SDK version does not fit this host, or null when it does.</summary>
    public static string? CheckManifest(PluginManifest manifest, Version host) =>
        Check(manifest.MinimumSdkVersion, host, $"its plugin.json asks for SDK {manifest.MinimumSdkVersion} or later");

    /// <summary>Reads the SDK version the assembly references.</summary>
    /// <returns>(null, null) when it fits; otherwise whether the file is unusable (Faulted) or incompatible, and why.</returns>
    public static (PluginState? State, string? Reason) CheckAssembly(string path, Version host)
    {
        Version? referenced = null;
        try
        {
            using FileStream stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata)
            {
                return (PluginState.Faulted, $"{Path.GetFileName(path)} is not a .NET assembly");
            }

            MetadataReader metadata = pe.GetMetadataReader();
            foreach (AssemblyReferenceHandle handle in metadata.AssemblyReferences)
            {
                AssemblyReference reference = metadata.GetAssemblyReference(handle);
                if (metadata.StringComparer.Equals(reference.Name, SdkAssemblyName))
                {
                    referenced = reference.Version;
                    break;
                }
            }
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            return (PluginState.Faulted, $"{Path.GetFileName(path)} cannot be read as a .NET assembly: {e.Message}");
        }

        if (referenced is null)
        {
            return (PluginState.Incompatible, $"{Path.GetFileName(path)} does not reference {SdkAssemblyName}, so it cannot implement IMeshPlugin");
        }

        string? reason = Check(referenced, host, $"{Path.GetFileName(path)} was compiled against SDK {Format(referenced)}");
        return reason is null ? (null, null) : (PluginState.Incompatible, reason);
    }

    private static string? Check(Version wanted, Version host, string what)
    {
        if (wanted.Major != host.Major)
        {
            return $"{what}, a different major version than this host's SDK {Format(host)}";
        }

        return Normalize(wanted) > Normalize(host) ? $"{what}, newer than this host's SDK {Format(host)}" : null;
    }

    /// <summary>Major.minor.build: assembly versions carry a revision that manifests leave out.</summary>
    private static Version Normalize(Version v) => new(v.Major, v.Minor, Math.Max(v.Build, 0));

    private static string Format(Version v) => Normalize(v).ToString();
}
