namespace MeshHost.Sdk;

/// <summary>How a channel delivers its messages to one peer. Every method keeps message boundaries.</summary>
public enum Delivery : byte
{
    /// <summary>At most once, in any order; nothing is resent. For data that is stale once late.</summary>
    Unreliable = 0,

    /// <summary>At most once, and never an older message after a newer one; nothing is resent.</summary>
    Sequenced = 1,

    /// <summary>Exactly once, in any order; lost data is resent.</summary>
    ReliableUnordered = 2,

    /// <summary>Exactly once, in send order; lost data is resent. The right default.</summary>
    ReliableOrdered = 3,

    /// <summary>The newest message arrives; older ones may be skipped but never arrive after a newer one.</summary>
    ReliableSequenced = 4,
}
