namespace MeshHost.Plugins.Tests;

internal static class Placeholder
{
}
