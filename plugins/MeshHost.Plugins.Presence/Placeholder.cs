namespace MeshHost.Plugins.Presence;

internal static class Placeholder
{
}
