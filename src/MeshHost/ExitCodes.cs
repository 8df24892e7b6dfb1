namespace MeshHost;

/// <summary>The process exit codes of <c>meshhost</c>, documented in docs/host.md.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked (for <c>run</c>: the node stopped cleanly on a signal).</summary>
    public const int Success = 0;

    /// <summary>The command was valid but failed: the node could not start, a lookup found nothing, the API answered an error.</summary>
    public const int Failure = 1;

    /// <summary>Bad input: an unknown option, a malformed id or address, an unreadable configuration.</summary>
    public const int Usage = 2;

    /// <summary>No node is running for the data directory (no control file, a stale one, or connection refused).</summary>
    public const int NoNode = 3;
}
