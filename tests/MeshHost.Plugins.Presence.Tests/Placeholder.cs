namespace MeshHost.Plugins.Presence.Tests;

internal static class Placeholder
{
}
