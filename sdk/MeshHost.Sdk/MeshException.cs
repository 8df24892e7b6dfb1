namespace MeshHost.Sdk;

/// <summary>Why a mesh operation failed, as <see cref="MeshException.Error"/>.</summary>
public enum MeshError
{
    /// <summary>The peer could not be reached: no session, no usable address, or the dial timed out.</summary>
    PeerUnreachable = 1,

    /// <summary>The peer has not opened a channel of this name (it may run a different set of plugins).</summary>
    ChannelNotOpenedByPeer = 2,

    /// <summary>The encoded message is larger than the channel's limit.</summary>
    MessageTooLarge = 3,

    /// <summary>The session or channel was closed while the operation was pending.</summary>
    Closed = 4,

    /// <summary>The peer answered a request with an error (its handler failed or it had none).</summary>
    RemoteError = 5,

    /// <summary>The node is shutting down or the channel was disposed.</summary>
    Disposed = 6,
}

/// <summary>
/// A mesh operation failed for a reason a plugin can act on; <see cref="Error"/> says which.
/// Timeouts surface as <see cref="TimeoutException"/> and cancellation as <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class MeshException : Exception
{
    /// <summary>Creates an exception with a reason code and a message for people.</summary>
    public MeshException(MeshError error, string message)
        : base(message)
    {
        Error = error;
    }

    /// <summary>Creates an exception with a reason code, a message and the underlying cause.</summary>
    public MeshException(MeshError error, string message, Exception innerException)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>Why the operation failed.</summary>
    public MeshError Error { get; }
}
