namespace MeshHost;

/// <summary>Input the user can fix (an option, a configuration value): reported as one line and exit code 2.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
