using System.Net;
using MeshHost.Mesh;
using MeshHost.Sdk;

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
                c.TopicDropped));
    }

    public static PeersResponse ToResponse(IReadOnlyList<ConnectedPeer> peers)
    {
        PeerResponse[] result = new PeerResponse[peers.Count];
        for (int i = 0; i < result.Length; i++)
        {
            ConnectedPeer p = peers[i];
            result[i] = new PeerResponse(p.Id.ToString(), p.EndPoint, p.RoundTripTime.TotalMilliseconds, p.ConnectedFor.TotalSeconds, p.Outbound);
        }

        return new PeersResponse(result);
    }

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
