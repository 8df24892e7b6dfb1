namespace MeshHost.Mesh.Nat;

/// <summary>What a node has learnt about the address translation between it and the internet (docs/nat.md).</summary>
public enum NatClass
{
    /// <summary>Too few reports from peers to tell.</summary>
    Unknown = 0,

    /// <summary>Peers see the node at one of its own addresses: no translation.</summary>
    Public = 1,

    /// <summary>Translated, to one external endpoint whose port is the node's own port.</summary>
    PortPreserving = 2,

    /// <summary>Translated, to one external endpoint for every destination (punching works).</summary>
    EndpointIndependent = 3,

    /// <summary>Translated to a different external endpoint per destination (punching mostly fails: use a relay).</summary>
    Symmetric = 4,
}

/// <summary>The wire and JSON names of <see cref="NatClass"/>.</summary>
public static class NatClassNames
{
    /// <summary>The name used in status JSON and text: unknown, public, port-preserving, endpoint-independent, symmetric.</summary>
    public static string ToName(this NatClass value) => value switch
    {
        NatClass.Public => "public",
        NatClass.PortPreserving => "port-preserving",
        NatClass.EndpointIndependent => "endpoint-independent",
        NatClass.Symmetric => "symmetric",
        _ => "unknown",
    };

    /// <summary>True for the classes behind which simultaneous punching usually succeeds.</summary>
    public static bool IsPunchable(this NatClass value) => value is NatClass.Public or NatClass.PortPreserving or NatClass.EndpointIndependent;
}
