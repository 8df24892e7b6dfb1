namespace MeshHost.Mesh.Tests;

internal static class TestAssembly
{
}
