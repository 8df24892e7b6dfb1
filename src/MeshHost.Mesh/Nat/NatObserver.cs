using System.Net;
using MeshHost.Transport;

namespace MeshHost.Mesh.Nat;

/// <summary>
/// Collects the endpoints at which peers see this node (each peer's latest report, bounded) and
/// classifies the NAT in front of it. Thread-safe; pure apart from the clock readings the caller
/// passes in, so the rules are unit-tested directly.
/// </summary>
/// <remarks>
/// Rules (docs/nat.md): a report whose address is one of the node's own addresses shows no
/// translation on that path. If any report shows translation, the node is behind a NAT; once two
/// reporters with different IP addresses have reported a translated endpoint, equal endpoints
/// mean endpoint-independent mapping (port-preserving when the port is the node's own) and
/// different ones mean symmetric. With no translated report and untranslated reports from two
/// reporters with different addresses, the node is public. Reports age out, so a reconfigured
/// NAT is re-classified; reports from closed sessions count only while fewer than two live
/// reporter addresses have reported.
/// </remarks>
internal sealed class NatObserver
{
    /// <summary>The most reporters remembered; the oldest report is forgotten first.</summary>
    public const int MaxReporters = 32;

    private readonly Lock _lock = new();
    private readonly Dictionary<NodeId, Entry> _reports = [];
    private readonly TimeSpan _maxAge;
    private HashSet<IPAddress> _localAddresses = [];
    private int _localPort;

    public NatObserver(TimeSpan maxAge)
    {
        _maxAge = maxAge;
    }

    /// <summary>Sets the node's own addresses and port (what "untranslated" means).</summary>
    public void SetLocal(IEnumerable<IPAddress> addresses, int port)
    {
        lock (_lock)
        {
            _localAddresses = [.. addresses.Select(Normalize)];
            _localPort = port;
        }
    }

    /// <summary>Records that <paramref name="reporter"/>, at <paramref name="reporterAddress"/>, sees this node at <paramref name="observed"/>.</summary>
    /// <returns>True when the classification or the reflexive endpoint changed.</returns>
    public bool Report(NodeId reporter, IPAddress reporterAddress, IPEndPoint observed, long timestamp, TimeProvider time)
    {
        var normalized = new IPEndPoint(Normalize(observed.Address), observed.Port);
        if (!IsUsable(normalized.Address) || observed.Port == 0)
        {
            return false;
        }

        lock (_lock)
        {
            NatSnapshot before = ClassifyLocked(timestamp, time);
            if (!_reports.ContainsKey(reporter) && _reports.Count >= MaxReporters)
            {
                NodeId oldest = default;
                long oldestAt = long.MaxValue;
                foreach ((NodeId id, Entry r) in _reports)
                {
                    if (r.At < oldestAt)
                    {
                        oldest = id;
                        oldestAt = r.At;
                    }
                }

                _reports.Remove(oldest);
            }

            _reports[reporter] = new Entry(Normalize(reporterAddress), normalized, timestamp, Live: true);
            NatSnapshot after = ClassifyLocked(timestamp, time);
            return before != after;
        }
    }

    /// <summary>
    /// Marks a reporter's session closed. Its report still votes until it ages out, but only while
    /// fewer than two reporter addresses with live sessions have reported: a public node whose
    /// idle sessions were pruned stays public, and a NAT that changed is judged by who sees it now.
    /// </summary>
    public void Forget(NodeId reporter)
    {
        lock (_lock)
        {
            if (_reports.TryGetValue(reporter, out Entry entry))
            {
                _reports[reporter] = entry with { Live = false };
            }
        }
    }

    /// <summary>The classification now.</summary>
    public NatSnapshot Classify(long timestamp, TimeProvider time)
    {
        lock (_lock)
        {
            return ClassifyLocked(timestamp, time);
        }
    }

    /// <summary>Addresses that can never be a reflexive endpoint: unspecified, multicast, the relay prefix.</summary>
    internal static bool IsUsable(IPAddress address) =>
        !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any) && !RelayAddresses.IsRelayAddress(address)
        && !(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.IsIPv6Multicast)
        && !(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && IsIPv4MulticastOrBroadcast(address));

    /// <summary>224.0.0.0/4 and the limited broadcast: never a peer's address, and sending there reaches a whole network.</summary>
    private static bool IsIPv4MulticastOrBroadcast(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return (bytes[0] & 0xF0) == 0xE0 || address.Equals(IPAddress.Broadcast);
    }

    internal static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private NatSnapshot ClassifyLocked(long timestamp, TimeProvider time)
    {
        var current = new List<Entry>();
        var liveAddresses = new HashSet<IPAddress>();
        foreach (Entry report in _reports.Values)
        {
            if (time.GetElapsedTime(report.At, timestamp) <= _maxAge)
            {
                current.Add(report);
                if (report.Live)
                {
                    liveAddresses.Add(report.ReporterAddress);
                }
            }
        }

        if (liveAddresses.Count >= 2)
        {
            current.RemoveAll(static r => !r.Live);
        }

        var translated = new List<Entry>();
        var untranslatedReporters = new HashSet<IPAddress>();
        foreach (Entry report in current)
        {

            if (_localAddresses.Contains(report.Observed.Address))
            {
                untranslatedReporters.Add(report.ReporterAddress);
            }
            else
            {
                translated.Add(report);
            }
        }

        if (translated.Count == 0)
        {
            return untranslatedReporters.Count >= 2 ? new NatSnapshot(NatClass.Public, null) : new NatSnapshot(NatClass.Unknown, null);
        }

        // The reflexive endpoint: the one most reporter addresses agree on, the newest report
        // breaking ties. Addresses, not NodeIds, vote: many identities on one host count once.
        IGrouping<IPEndPoint, Entry> best = translated
            .GroupBy(static r => r.Observed)
            .OrderByDescending(static g => g.Select(static r => r.ReporterAddress).Distinct().Count())
            .ThenByDescending(static g => g.Max(static r => r.At))
            .First();
        IPEndPoint reflexive = best.Key;
        int agreeing = best.Select(static r => r.ReporterAddress).Distinct().Count();

        // Two or more reporter addresses that reach us untranslated outweigh a translated endpoint
        // only one reporter address claims: one peer's word must not take a public node off duty.
        if (untranslatedReporters.Count >= 2 && agreeing < 2)
        {
            return new NatSnapshot(NatClass.Public, null);
        }

        var reporterAddresses = new HashSet<IPAddress>();
        foreach (Entry report in translated)
        {
            reporterAddresses.Add(report.ReporterAddress);
        }

        if (reporterAddresses.Count < 2)
        {
            return new NatSnapshot(NatClass.Unknown, reflexive);
        }

        // Compare one report per reporter address, so two peers behind one far NAT count once.
        bool allEqual = translated.TrueForAll(r => r.Observed.Equals(reflexive));
        if (!allEqual)
        {
            return new NatSnapshot(NatClass.Symmetric, reflexive);
        }

        return new NatSnapshot(reflexive.Port == _localPort ? NatClass.PortPreserving : NatClass.EndpointIndependent, reflexive);
    }

    private readonly record struct Entry(IPAddress ReporterAddress, IPEndPoint Observed, long At, bool Live);
}

/// <summary>A classification: the class and the reflexive endpoint peers agree on (null when none is translated).</summary>
internal readonly record struct NatSnapshot(NatClass Class, IPEndPoint? Reflexive);
