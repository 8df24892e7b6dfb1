using MeshHost.MessagePack;

namespace MeshHost.Plugins.Presence;

/// <summary>
/// A node's heartbeat on <c>meshhost.presence/v1</c>. The mesh signs every topic message with the
/// publishing node's key, so the sender is the verified origin the handler receives, not a field here.
/// </summary>
[MessagePackObject]
public sealed partial record PresenceHeartbeat
{
    /// <summary>Random per start of the plugin: a restarted node's sequence starts again at 0.</summary>
    [Key(0)] public ulong Incarnation { get; init; }

    /// <summary>Counts up from 0 with each beat of one incarnation.</summary>
    [Key(1)] public ulong Sequence { get; init; }

    /// <summary>The sender's beat interval: receivers expire it after three missed beats.</summary>
    [Key(2)] public int IntervalMilliseconds { get; init; }

    /// <summary>An optional name for people, at most <see cref="PresenceLimits.MaxNameLength"/> characters.</summary>
    [Key(3)] public string Name { get; init; } = "";
}

/// <summary>A ping on <c>meshhost.presence/ping</c>; the answer echoes the nonce.</summary>
[MessagePackObject]
public sealed partial record PresencePing
{
    /// <summary>Chosen by the asker; echoed in <see cref="PresencePong.Nonce"/>.</summary>
    [Key(0)] public ulong Nonce { get; init; }
}

/// <summary>The answer to a <see cref="PresencePing"/>.</summary>
[MessagePackObject]
public sealed partial record PresencePong
{
    /// <summary>The ping's nonce.</summary>
    [Key(0)] public ulong Nonce { get; init; }

    /// <summary>The answering node's presence name.</summary>
    [Key(1)] public string Name { get; init; } = "";
}

/// <summary>The bounds a heartbeat must respect; one outside them is dropped and counted as rejected.</summary>
public static class PresenceLimits
{
    /// <summary>The longest presence name, in UTF-16 characters.</summary>
    public const int MaxNameLength = 64;

    /// <summary>The shortest beat interval a heartbeat may declare (1 s).</summary>
    public const int MinIntervalMilliseconds = 1_000;

    /// <summary>The longest beat interval a heartbeat may declare (1 h).</summary>
    public const int MaxIntervalMilliseconds = 3_600_000;

    /// <summary>How many beats a peer may miss before it expires.</summary>
    public const int MissedBeatsToExpire = 3;
}
