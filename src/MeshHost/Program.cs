using MeshHost.Cli;

namespace MeshHost;

internal static class Program
{
    public static Task<int> Main(string[] args) => MeshHostCli.InvokeAsync(args, CliConsole.System);
}
