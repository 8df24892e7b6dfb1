namespace MeshHost.TestLib;

/// <summary>Says which build of the library answered.</summary>
public static class Lib
{
    public static string Describe() => "v2";

    /// <summary>Only in version 2, so a plugin that calls it fails if it gets version 1.</summary>
    public static string OnlyInV2() => "v2-only";
}
