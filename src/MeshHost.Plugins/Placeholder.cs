namespace MeshHost.Plugins;

internal static class Placeholder
{
}
