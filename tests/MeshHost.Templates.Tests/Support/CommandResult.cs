namespace MeshHost.Templates.Tests.Support;

/// <summary>A finished command: exit code and output, and a description for failure messages.</summary>
internal sealed record CommandResult(string CommandLine, int ExitCode, string Output, string Error)
{
    /// <summary>Fails the test, with everything the command printed, unless it exited with 0.</summary>
    public CommandResult AssertSucceeded()
    {
        Assert.True(ExitCode == 0, $"The command failed.\n{this}");
        return this;
    }

    public override string ToString() => $"--- {CommandLine} (exit code {ExitCode})\n--- stdout:\n{Output}\n--- stderr:\n{Error}";
}
