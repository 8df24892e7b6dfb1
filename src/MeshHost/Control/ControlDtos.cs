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
    CountersResponse Counters);

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
internal sealed record PeerResponse(string Id, string EndPoint, double RoundTripTimeMs, double ConnectedForSeconds, bool Outbound);

/// <summary><c>GET /v1/dht/find/{id}</c>.</summary>
internal sealed record FindResponse(string Id, bool Found, bool Connected, IReadOnlyList<string> EndPoints, IReadOnlyList<ContactResponse> Closest, int Hops, double ElapsedMs);

/// <summary>A DHT contact: an id and the address it was seen at.</summary>
internal sealed record ContactResponse(string Id, string EndPoint);

/// <summary><c>POST /v1/peers/connect</c> body.</summary>
internal sealed record ConnectRequest(string? Id);

/// <summary><c>POST /v1/peers/connect</c> answer.</summary>
internal sealed record ConnectResponse(string Id, bool Connected, double ElapsedMs);

/// <summary><c>GET /v1/plugins</c>.</summary>
internal sealed record PluginsResponse(IReadOnlyList<PluginResponse> Plugins);

/// <summary>One plugin, and the answer of <c>POST /v1/plugins/{id}/load|unload|reload</c>.</summary>
internal sealed record PluginResponse(string Id, string? Version, string State, string? Reason, string Folder, long Faults, string Description);
