namespace MeshHost.Host.Tests;

internal static class TestAssembly
{
}
