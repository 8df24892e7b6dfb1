namespace MeshHost;

/// <summary>Where a command writes: results to <see cref="Out"/>, errors and hints to <see cref="Error"/>.</summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error)
{
    /// <summary>The process's console.</summary>
    public static CliConsole System { get; } = new(Console.Out, Console.Error);
}
