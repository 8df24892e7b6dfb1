namespace MeshHost.Transport;

/// <summary>How a lane (a channel and its delivery method) delivers messages. See docs/transport.md.</summary>
public enum DeliveryMethod : byte
{
    /// <summary>At most once, in any order; nothing is resent.</summary>
    Unreliable = 0,

    /// <summary>At most once, and never an older message after a newer one; nothing is resent.</summary>
    Sequenced = 1,

    /// <summary>Exactly once, in any order; lost data is resent.</summary>
    ReliableUnordered = 2,

    /// <summary>Exactly once, in send order within the lane; lost data is resent.</summary>
    ReliableOrdered = 3,

    /// <summary>The newest message arrives; older ones may be skipped but never arrive after a newer one.</summary>
    ReliableSequenced = 4,
}
