namespace MeshHost.TestLib;

/// <summary>Says which build of the library answered.</summary>
public static class Lib
{
    public static string Describe() => "v1";

}
