namespace MeshHost.Transport;

/// <summary>What <see cref="Session.TrySend"/> did with a message.</summary>
public enum SendResult
{
    /// <summary>The message is queued and will be sent (and, for reliable methods, delivered).</summary>
    Queued,

    /// <summary>The session's send buffer is full: nothing was queued. Retry later, or use <see cref="Session.SendAsync"/>.</summary>
    WouldBlock,

    /// <summary>The message exceeds <see cref="TransportOptions.MaxMessageSize"/>: nothing was queued.</summary>
    TooLarge,

    /// <summary>The session is closed: nothing was queued.</summary>
    Closed,
}
