namespace MeshHost.Sdk;

/// <summary>The fixed bounds of the mesh that plugin authors design around.</summary>
public static class MeshLimits
{
    /// <summary>The longest channel or topic name, in UTF-8 bytes.</summary>
    public const int MaxChannelNameBytes = 128;

    /// <summary>How many channels (of all kinds) one node can have open at once.</summary>
    public const int MaxChannels = 224;

    /// <summary>The largest encoded message on a channel or request channel, in bytes (1 MiB).</summary>
    public const int MaxChannelMessageBytes = 1024 * 1024;

    /// <summary>The largest encoded topic message, in bytes (64 KiB).</summary>
    public const int MaxTopicMessageBytes = 64 * 1024;

    /// <summary>How many received messages wait for a channel's or topic's handlers before new ones are dropped.</summary>
    public const int ChannelInboxCapacity = 1024;

    /// <summary>How many requests one request channel may have waiting for responses.</summary>
    public const int MaxPendingRequests = 4096;

    /// <summary>How many requests one request channel answers at once.</summary>
    public const int MaxConcurrentHandlers = 64;
}
