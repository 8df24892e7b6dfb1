namespace MeshHost.Transport;

/// <summary>
/// Settings of a <see cref="TransportEndpoint"/> and its sessions. The defaults suit a node on the
/// internet; tests shrink the timeouts. Sizes are bytes, durations are wall-clock (through the
/// endpoint's <see cref="TimeProvider"/>).
/// </summary>
public sealed record TransportOptions
{
    /// <summary>The largest message a lane carries (default 16 MiB); larger sends return <see cref="SendResult.TooLarge"/>.</summary>
    public int MaxMessageSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Flow-control window: how many bytes of reliable messages a peer may have in flight towards
    /// us beyond what we delivered. It bounds reassembly memory per session, must be at least
    /// <see cref="MaxMessageSize"/> + 256 (credit counts 256 bytes per message on top of its length) and at least 1 MiB, the credit a peer may use before our
    /// first MAX_DATA reaches it (default: <see cref="MaxMessageSize"/> plus 1 MiB).
    /// </summary>
    public int ReceiveWindow { get; init; } = (16 * 1024 * 1024) + (1024 * 1024);

    /// <summary>Reassembly memory per session for data outside flow control (fragmented unreliable and sequenced messages; default 4 MiB).</summary>
    public int MaxUnreliableReassemblyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Bytes a session holds for sending (queued plus unacknowledged) before sends block (default 32 MiB).</summary>
    public int SendBufferLimit { get; init; } = 32 * 1024 * 1024;

    /// <summary>The largest UDP payload path MTU discovery probes for (default 65,507 bytes; the path decides how far it gets).</summary>
    public int MaxDatagramSize { get; init; } = 65_507;

    /// <summary>Whether path MTU discovery runs (default true). Without it, packets stay at 1200 bytes.</summary>
    public bool EnableMtuDiscovery { get; init; } = true;

    /// <summary>A PING goes out after this long without sending (default 15 s, under common NAT UDP timeouts).</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A session that receives nothing for this long closes with <see cref="CloseCode.IdleTimeout"/> (default 30 s).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a connect attempt retries before failing (default 10 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest a receiver waits before acknowledging (default 5 ms).</summary>
    public TimeSpan MaxAckDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The most sessions (established and pending) an endpoint keeps (default 1,024).</summary>
    public int MaxSessions { get; init; } = 1024;

    /// <summary>The most handshakes an endpoint starts per second as a responder; beyond it, initiators must retry with a token (default 200).</summary>
    public int MaxHandshakesPerSecond { get; init; } = 200;

    /// <summary>Pending handshakes above which the responder demands address validation (a Retry) before keeping any state (default 64).</summary>
    public int RetryThreshold { get; init; } = 64;

    /// <summary>Demand address validation from every initiator, always (default false).</summary>
    public bool AlwaysRetry { get; init; }

    internal void Validate()
    {
        if (MaxMessageSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMessageSize), MaxMessageSize, "Must be positive.");
        }

        if (ReceiveWindow < (long)MaxMessageSize + Session.CreditOverheadPerMessage)
        {
            // Credit counts a message as its length plus the per-message overhead.
            throw new ArgumentOutOfRangeException(nameof(ReceiveWindow), ReceiveWindow, $"Must be at least MaxMessageSize + {Session.CreditOverheadPerMessage}, or the largest message could never be received.");
        }

        if (ReceiveWindow < Session.InitialCredit)
        {
            // The protocol lets a peer send this much before our first MAX_DATA arrives; a smaller
            // window could not bound what it then makes us hold.
            throw new ArgumentOutOfRangeException(nameof(ReceiveWindow), ReceiveWindow, $"Must be at least {Session.InitialCredit} bytes, the credit a peer may use before our first MAX_DATA.");
        }

        if (SendBufferLimit < MaxMessageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(SendBufferLimit), SendBufferLimit, "Must be at least MaxMessageSize.");
        }

        if (MaxDatagramSize < 1200)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDatagramSize), MaxDatagramSize, "Must be at least 1200 bytes.");
        }

        if (IdleTimeout <= KeepAliveInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(IdleTimeout), IdleTimeout, "Must exceed KeepAliveInterval, or idle sessions would close before their keepalive.");
        }
    }
}
