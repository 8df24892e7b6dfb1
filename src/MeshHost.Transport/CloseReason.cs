namespace MeshHost.Transport;

/// <summary>Why a session ended. The code travels in the CLOSE frame; both sides report it with the reason text.</summary>
public enum CloseCode : ulong
{
    /// <summary>One side closed it on purpose.</summary>
    Normal = 0,

    /// <summary>Nothing was received for <see cref="TransportOptions.IdleTimeout"/>.</summary>
    IdleTimeout = 1,

    /// <summary>The peer broke the protocol (a malformed frame, an acknowledgement of an unsent packet...).</summary>
    ProtocolViolation = 2,

    /// <summary>The peer sent more reliable data than the credit it was given.</summary>
    FlowControlViolation = 3,

    /// <summary>The local endpoint is shutting down.</summary>
    EndpointShutdown = 4,

    /// <summary>The peer did not answer while connecting.</summary>
    ConnectTimeout = 5,

    /// <summary>This node hit a defect of its own while handling the session (logged); the session was closed to contain it.</summary>
    InternalError = 6,

    /// <summary>The application closed it for its own reason (the text says which).</summary>
    Application = 16,
}

/// <summary>A close code, its human-readable reason, and whether the peer (rather than this node) decided it.</summary>
/// <param name="Code">The code.</param>
/// <param name="Reason">Text for people; at most 256 UTF-8 bytes travel.</param>
/// <param name="ByPeer">True when the peer sent the CLOSE.</param>
public sealed record CloseReason(CloseCode Code, string Reason, bool ByPeer)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Code} ({(ByPeer ? "by peer" : "local")}): {Reason}";
}
