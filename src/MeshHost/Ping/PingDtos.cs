namespace MeshHost.Control;

/// <summary><c>POST /v1/ping</c> body; absent values take the defaults of <see cref="Ping.PingSettings"/>.</summary>
internal sealed record PingRequest(string? Id, int? Count, int? Size, int? Window, double? TimeoutSeconds);

/// <summary>
/// <c>POST /v1/ping</c> answer. Times are milliseconds; <c>firstReplyMs</c> counts from the start,
/// dial included (the time to first message); throughput is bytes echoed over the echo phase.
/// </summary>
internal sealed record PingResponse(
    string Id,
    string Path,
    string? Relay,
    string? EndPoint,
    bool AlreadyConnected,
    double ConnectMs,
    double? FirstReplyMs,
    int Count,
    int Size,
    int Window,
    int Seed,
    int Echoed,
    int Corrupted,
    int TimedOut,
    int Failed,
    string? FirstError,
    double? RttMinMs,
    double? RttP50Ms,
    double? RttP99Ms,
    double? RttMaxMs,
    double ElapsedMs,
    long BytesEchoed,
    double ThroughputBytesPerSecond);
