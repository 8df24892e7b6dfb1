using MeshHost.Transport.Network;

namespace MeshHost.Transport;

/// <summary>A snapshot of an endpoint's counters: what arrived, and what was dropped and why.</summary>
public readonly record struct EndpointStatistics
{
    /// <summary>The socket's own counters.</summary>
    public DatagramSocketStatistics Socket { get; init; }

    /// <summary>Datagrams too short or of an unknown type.</summary>
    public long Malformed { get; init; }

    /// <summary>Packets for a connection id with no session or handshake (misrouted, stale, or early).</summary>
    public long UnknownConnection { get; init; }

    /// <summary>Handshakes this node answered (state kept).</summary>
    public long HandshakesStarted { get; init; }

    /// <summary>Handshakes completed, either side.</summary>
    public long HandshakesCompleted { get; init; }

    /// <summary>Handshake packets that failed verification (bad signature, decryption, identity).</summary>
    public long HandshakeFailures { get; init; }

    /// <summary>Initials refused for the session cap or a clashing connection id.</summary>
    public long HandshakesRefused { get; init; }

    /// <summary>Answered handshakes dropped because the initiator never finished.</summary>
    public long HandshakesExpired { get; init; }

    /// <summary>Retry packets sent instead of keeping state.</summary>
    public long RetriesSent { get; init; }

    /// <summary>Initials carrying a token that did not validate.</summary>
    public long InvalidTokens { get; init; }

    /// <summary>Responses withheld because they would exceed three times the bytes the address sent.</summary>
    public long AmplificationLimited { get; init; }

    /// <summary>Unconnected datagrams received.</summary>
    public long UnconnectedReceived { get; init; }

    /// <summary>Sessions that followed their peer to a new address.</summary>
    public long Migrations { get; init; }

    /// <summary>Exceptions thrown by the handler (caught).</summary>
    public long HandlerFaults { get; init; }
}

/// <summary>The endpoint's mutable counters (written by the receive thread; HandlerFaults and Migrations may be written elsewhere).</summary>
internal struct EndpointCounters
{
    public long Malformed;
    public long UnknownConnection;
    public long HandshakesStarted;
    public long HandshakesCompleted;
    public long HandshakeFailures;
    public long HandshakesRefused;
    public long HandshakesExpired;
    public long RetriesSent;
    public long InvalidTokens;
    public long AmplificationLimited;
    public long UnconnectedReceived;
    public long Migrations;
    public long HandlerFaults;

    public readonly EndpointStatistics Snapshot(DatagramSocketStatistics socket) => new()
    {
        Socket = socket,
        Malformed = Volatile.Read(in Malformed),
        UnknownConnection = Volatile.Read(in UnknownConnection),
        HandshakesStarted = Volatile.Read(in HandshakesStarted),
        HandshakesCompleted = Volatile.Read(in HandshakesCompleted),
        HandshakeFailures = Volatile.Read(in HandshakeFailures),
        HandshakesRefused = Volatile.Read(in HandshakesRefused),
        HandshakesExpired = Volatile.Read(in HandshakesExpired),
        RetriesSent = Volatile.Read(in RetriesSent),
        InvalidTokens = Volatile.Read(in InvalidTokens),
        AmplificationLimited = Volatile.Read(in AmplificationLimited),
        UnconnectedReceived = Volatile.Read(in UnconnectedReceived),
        Migrations = Volatile.Read(in Migrations),
        HandlerFaults = Volatile.Read(in HandlerFaults),
    };
}
