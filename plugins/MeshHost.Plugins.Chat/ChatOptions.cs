using System.Globalization;
using MeshHost.Plugins.Shared;
using Microsoft.Extensions.Configuration;

namespace MeshHost.Plugins.Chat;

/// <summary>The fixed bounds of the chat protocol.</summary>
public static class ChatLimits
{
    /// <summary>The size of a message id in bytes.</summary>
    public const int IdSize = 16;

    /// <summary>The longest room name: 1 to 64 of <c>a-z 0-9 - _ .</c>.</summary>
    public const int MaxRoomLength = 64;

    /// <summary>The longest nickname, in UTF-16 characters.</summary>
    public const int MaxNickLength = 32;

    /// <summary>The most ids one sync offer (or want list) carries.</summary>
    public const int MaxOfferIds = 1024;

    /// <summary>The most messages one sync request or answer carries.</summary>
    public const int MaxMessagesPerSync = 256;

    /// <summary>How many rooms one node may be in.</summary>
    public const int MaxRooms = 32;

    /// <summary>How far ahead of this node's clock a message's timestamp may be.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>Whether <paramref name="room"/> is a valid room name.</summary>
    public static bool IsValidRoom(string? room)
    {
        if (room is null || room.Length is 0 or > MaxRoomLength)
        {
            return false;
        }

        foreach (char c in room)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// The plugin's settings, from <c>Plugins:meshhost.chat</c>, read by hand (no reflection binder).
/// </summary>
public sealed record ChatOptions
{
    /// <summary>This node's nickname (at most 32 characters). Key <c>Nick</c>.</summary>
    public string Nick { get; init; } = "";

    /// <summary>The largest message text in UTF-8 bytes (1 to 16384; default 4096). Key <c>MaxTextBytes</c>.</summary>
    public int MaxTextBytes { get; init; } = 4096;

    /// <summary>History kept per room and per DM peer (10 to 100000; default 1000). Key <c>MaxMessagesPerRoom</c>.</summary>
    public int MaxMessagesPerRoom { get; init; } = 1000;

    /// <summary>How old a kept message may be (default 30 days). Key <c>MaxAgeHours</c>.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How often a member beacons and syncs each room with a member (default 10 s). Key <c>SyncIntervalSeconds</c>.</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Direct messages waiting for offline peers, in all (default 1000). Key <c>MaxOutbox</c>.</summary>
    public int MaxOutbox { get; init; } = 1000;

    /// <summary>Messages one peer may send per second, sustained (default 10; bursts of 5×). Key <c>MessagesPerSecond</c>.</summary>
    public double MessagesPerSecond { get; init; } = 10;

    /// <summary>The longest wait between DM delivery attempts (default 60 s).</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);

    private const string Section = "Plugins:meshhost.chat";

    /// <summary>Reads the section; a value out of range is an error that names the key.</summary>
    /// <exception cref="InvalidOperationException">A value is not a number or is out of range.</exception>
    public static ChatOptions From(IConfiguration configuration)
    {
        var options = new ChatOptions();
        if (configuration["Nick"] is { } nick)
        {
            if (nick.Length > ChatLimits.MaxNickLength)
            {
                throw OptionValues.Invalid(Section, "Nick", nick, $"at most {ChatLimits.MaxNickLength} characters");
            }

            options = options with { Nick = ChatCodec.CleanNick(nick) };
        }

        options = options with
        {
            MaxTextBytes = (int)OptionValues.Number(configuration, Section, "MaxTextBytes", options.MaxTextBytes, 1, 16_384),
            MaxMessagesPerRoom = (int)OptionValues.Number(configuration, Section, "MaxMessagesPerRoom", options.MaxMessagesPerRoom, 10, 100_000),
            MaxAge = TimeSpan.FromHours(OptionValues.Number(configuration, Section, "MaxAgeHours", options.MaxAge.TotalHours, 0.01, 24 * 3650)),
            SyncInterval = TimeSpan.FromSeconds(OptionValues.Number(configuration, Section, "SyncIntervalSeconds", options.SyncInterval.TotalSeconds, 0.1, 3600)),
            MaxOutbox = (int)OptionValues.Number(configuration, Section, "MaxOutbox", options.MaxOutbox, 1, 100_000),
            MessagesPerSecond = OptionValues.Number(configuration, Section, "MessagesPerSecond", options.MessagesPerSecond, 0.1, 10_000),
        };
        return options;
    }
}
