using System.Net;
using MeshHost.Mesh;
using MeshHost.Mesh.Nat;
using MeshHost.Transport;

namespace MeshHost.Control;

/// <summary>Turns node snapshots into the control API's JSON shapes.</summary>
internal static class ControlMapping
{
    public static StatusResponse ToResponse(MeshStatus status)
    {
        MeshCounters c = status.Counters;
        return new StatusResponse(
            status.Id.ToString(),
            status.ListenEndPoint.ToString(),
            status.ListenEndPoint.Address.ToString(),
            status.ListenEndPoint.Port,
            ToStrings(status.AdvertisedEndPoints),
            status.LanBeaconAddress?.ToString(),
            status.Uptime.TotalSeconds,
            status.ConnectedPeers,
            status.RoutingTableSize,
            status.StoredRecords,
            status.OpenChannels,
            status.Topics,
            new CountersResponse(
                c.MessagesSent,
                c.MessagesReceived,
                c.DroppedUnknownChannel,
                c.DroppedMalformed,
                c.DroppedTooLarge,
                c.DroppedInboxFull,
                c.HandlerFaults,
                c.DialsSucceeded,
                c.DialsFailed,
                c.SessionsPruned,
                c.LanPeersDiscovered,
                c.TopicPublished,
                c.TopicDelivered,
                c.TopicDropped),
            ToResponse(status.Nat));
    }

    public static NatResponse ToResponse(NatInfo nat)
    {
        string[] relays = new string[nat.Relays.Count];
        for (int i = 0; i < relays.Length; i++)
        {
            relays[i] = nat.Relays[i].ToString();
        }

        return new NatResponse(
            nat.Class.ToName(),
            nat.ReflexiveEndPoint?.ToString(),
            nat.PubliclyReachable,
            ToStrings(nat.Candidates),
            relays,
            nat.RelayServing,
            nat.ActiveCircuits);
    }

    public static PeersResponse ToResponse(IReadOnlyList<PeerPath> peers)
    {
        PeerResponse[] result = new PeerResponse[peers.Count];
        for (int i = 0; i < result.Length; i++)
        {
            PeerPath p = peers[i];
            result[i] = new PeerResponse(p.Id.ToString(), p.EndPoint.ToString(), p.RoundTripTime.TotalMilliseconds, p.ConnectedFor.TotalSeconds, p.Outbound, PathName(p), p.Relay?.ToString());
        }

        return new PeersResponse(result);
    }

    public static ConnectResponse ToConnectResponse(NodeId id, PeerPath? path, TimeSpan elapsed) =>
        new(id.ToString(), true, elapsed.TotalMilliseconds, path is null ? null : PathName(path), path?.Relay?.ToString(), path?.EndPoint.ToString());

    private static string PathName(PeerPath path) => path.Relayed ? "relayed" : "direct";

    public static FindResponse ToResponse(PeerLookup lookup, TimeSpan elapsed)
    {
        ContactResponse[] closest = new ContactResponse[lookup.Closest.Count];
        for (int i = 0; i < closest.Length; i++)
        {
            closest[i] = new ContactResponse(lookup.Closest[i].Id.ToString(), lookup.Closest[i].EndPoint.ToString());
        }

        return new FindResponse(lookup.Id.ToString(), lookup.Found, lookup.Connected, ToStrings(lookup.EndPoints), closest, lookup.Hops, elapsed.TotalMilliseconds);
    }

    private static string[] ToStrings(IReadOnlyList<IPEndPoint> endPoints)
    {
        string[] result = new string[endPoints.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = endPoints[i].ToString();
        }

        return result;
    }
}
