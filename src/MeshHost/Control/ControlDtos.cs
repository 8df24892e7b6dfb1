namespace MeshHost.Control;

// The control API's JSON shapes (camelCase on the wire), shared by the server and the CLI client.

/// <summary><c>control.json</c>: where a running node's control API listens.</summary>
internal sealed record ControlFile(int Port, int Pid);

/// <summary>Any error: a stable machine code (<c>unauthorized</c>, <c>bad-request</c>, ...) and a message for people.</summary>
internal sealed record ErrorResponse(string Error, string Message);

/// <summary><c>GET /v1/id</c>.</summary>
internal sealed record IdResponse(string Id);

/// <summary><c>GET /v1/status</c>.</summary>
internal sealed record StatusResponse(
    string Id,
    string ListenEndPoint,
    string ListenAddress,
    int Port,
    IReadOnlyList<string> AdvertisedEndPoints,
    string? LanBeaconAddress,
    double UptimeSeconds,
    int ConnectedPeers,
    int RoutingTableSize,
    int StoredRecords,
    int OpenChannels,
    IReadOnlyList<string> Topics,
    CountersResponse Counters,
    NatResponse Nat);

/// <summary>The NAT part of <see cref="StatusResponse"/> (docs/nat.md).</summary>
/// <param name="Class">unknown, public, port-preserving, endpoint-independent or symmetric.</param>
/// <param name="ReflexiveEndPoint">Where peers see the node through its NAT, or null.</param>
/// <param name="PubliclyReachable">Whether unsolicited datagrams reach the node; null when unknown.</param>
/// <param name="Candidates">Direct candidates offered to peers.</param>
/// <param name="Relays">Relays in use, as <c>id@ip:port</c>.</param>
/// <param name="RelayServing">Whether the node relays for others.</param>
/// <param name="ActiveCircuits">Circuits the node relays now.</param>
internal sealed record NatResponse(
    string Class,
    string? ReflexiveEndPoint,
    bool? PubliclyReachable,
    IReadOnlyList<string> Candidates,
    IReadOnlyList<string> Relays,
    bool RelayServing,
    int ActiveCircuits);

/// <summary>The node's counters in <see cref="StatusResponse"/>.</summary>
internal sealed record CountersResponse(
    long MessagesSent,
    long MessagesReceived,
    long DroppedUnknownChannel,
    long DroppedMalformed,
    long DroppedTooLarge,
    long DroppedInboxFull,
    long HandlerFaults,
    long DialsSucceeded,
    long DialsFailed,
    long SessionsPruned,
    long LanPeersDiscovered,
    long TopicPublished,
    long TopicDelivered,
    long TopicDropped);

/// <summary><c>GET /v1/peers</c>.</summary>
internal sealed record PeersResponse(IReadOnlyList<PeerResponse> Peers);

/// <summary>One connected peer.</summary>
/// <param name="Path"><c>direct</c> or <c>relayed</c>.</param>
/// <param name="Relay">The relay's id when relayed, else null.</param>
internal sealed record PeerResponse(string Id, string EndPoint, double RoundTripTimeMs, double ConnectedForSeconds, bool Outbound, string Path, string? Relay);

/// <summary><c>GET /v1/dht/find/{id}</c>.</summary>
internal sealed record FindResponse(string Id, bool Found, bool Connected, IReadOnlyList<string> EndPoints, IReadOnlyList<ContactResponse> Closest, int Hops, double ElapsedMs);

/// <summary>A DHT contact: an id and the address it was seen at.</summary>
internal sealed record ContactResponse(string Id, string EndPoint);

/// <summary><c>POST /v1/peers/connect</c> body.</summary>
internal sealed record ConnectRequest(string? Id);

/// <summary><c>POST /v1/peers/connect</c> answer.</summary>
/// <param name="Path"><c>direct</c> or <c>relayed</c>: the path sends take now (null if the session closed meanwhile).</param>
/// <param name="Relay">The relay's id when relayed.</param>
/// <param name="EndPoint">The peer's endpoint, or the relay's when relayed.</param>
internal sealed record ConnectResponse(string Id, bool Connected, double ElapsedMs, string? Path = null, string? Relay = null, string? EndPoint = null);

/// <summary><c>GET /v1/plugins</c>.</summary>
internal sealed record PluginsResponse(IReadOnlyList<PluginResponse> Plugins);

/// <summary>One plugin, and the answer of <c>POST /v1/plugins/{id}/load|unload|reload</c>.</summary>
internal sealed record PluginResponse(string Id, string? Version, string State, string? Reason, string Folder, long Faults, string Description);
