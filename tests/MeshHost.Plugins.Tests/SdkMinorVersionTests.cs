using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using MeshHost.Plugins.Loading;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Tests;

/// <summary>
/// Minor SDK versions add members only: a plugin compiled against an older minor of the same major
/// still loads, one compiled against a newer minor does not. Checked on a copy of an assembly whose
/// reference to MeshHost.Sdk is rewritten, since every test plugin is built against the current SDK.
/// </summary>
public sealed class SdkMinorVersionTests
{
    [Fact]
    public void A_plugin_compiled_against_SDK_1_0_loads_on_1_1_and_one_compiled_against_a_newer_minor_does_not()
    {
        Assert.Equal(new Version(1, 1, 0), SdkVersion.Current);
        string directory = Directory.CreateTempSubdirectory("meshhost-sdk-minor-").FullName;
        try
        {
            string older = CopyReferencing(directory, "older.dll", minor: 0);
            string newer = CopyReferencing(directory, "newer.dll", minor: 2);

            Assert.Equal((null, null), SdkCompatibility.CheckAssembly(older, SdkVersion.Current));
            Assert.Null(SdkCompatibility.CheckManifest(new PluginManifest { Id = "test.old", Version = new(1, 0, 0), Assembly = "older.dll", MinimumSdkVersion = new(1, 0, 0) }, SdkVersion.Current));
            (PluginState? state, string? reason) = SdkCompatibility.CheckAssembly(newer, SdkVersion.Current);
            Assert.Equal(PluginState.Incompatible, state);
            Assert.Contains("compiled against SDK 1.2.0, newer than this host's SDK 1.1.0", reason, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A copy of this test assembly (which references MeshHost.Sdk) with that reference's minor version set.</summary>
    private static string CopyReferencing(string directory, string name, ushort minor)
    {
        byte[] image = File.ReadAllBytes(typeof(SdkMinorVersionTests).Assembly.Location);
        int offset;
        using (var pe = new PEReader(new MemoryStream(image)))
        {
            MetadataReader metadata = pe.GetMetadataReader();
            AssemblyReferenceHandle sdk = metadata.AssemblyReferences.Single(h => metadata.StringComparer.Equals(metadata.GetAssemblyReference(h).Name, "MeshHost.Sdk"));
            int row = MetadataTokens.GetRowNumber(sdk);

            // An AssemblyRef row starts with MajorVersion, MinorVersion, BuildNumber, RevisionNumber (u16 each).
            offset = pe.PEHeaders.MetadataStartOffset
                + metadata.GetTableMetadataOffset(TableIndex.AssemblyRef)
                + ((row - 1) * metadata.GetTableRowSize(TableIndex.AssemblyRef))
                + 2;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(offset), minor);
        string path = Path.Combine(directory, name);
        File.WriteAllBytes(path, image);
        return path;
    }
}
