namespace MeshHost.Templates.Tests;

internal static class Placeholder
{
}
