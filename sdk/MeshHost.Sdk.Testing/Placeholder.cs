namespace MeshHost.Sdk.Testing;

internal static class Placeholder
{
}
