using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using MeshHost.Dht.Protocol;
using MeshHost.MessagePack;
using MeshHost.Transport;

namespace MeshHost.Dht.Records;

/// <summary>Creates and signs records, and computes the keys they are stored under.</summary>
public static class DhtRecords
{
    private static readonly byte[] DomainTag = Encoding.ASCII.GetBytes("meshhost-dht-record-v1");

    /// <summary>
    /// The key of a plugin value: SHA-256 of the namespace (UTF-8), a zero byte, the publisher's id
    /// and the name (UTF-8). Only the publisher can sign a record under it.
    /// </summary>
    public static NodeId ValueKey(string @namespace, NodeId publisher, string name)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(name);
        byte[] ns = Encoding.UTF8.GetBytes(@namespace);
        byte[] nm = Encoding.UTF8.GetBytes(name);
        byte[] input = new byte[ns.Length + 1 + NodeId.Size + nm.Length];
        ns.CopyTo(input, 0);
        publisher.WriteTo(input.AsSpan(ns.Length + 1));
        nm.CopyTo(input, ns.Length + 1 + NodeId.Size);
        return new NodeId(SHA256.HashData(input));
    }

    /// <summary>A peer record for <paramref name="publisher"/>, valid from now for <paramref name="ttl"/>.</summary>
    public static WireRecord CreatePeer(NodeIdentity publisher, PeerInfo info, DateTimeOffset now, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return Sign(publisher, RecordKind.Peer, publisher.Id, "", "", MessagePackSerializer.Serialize(info), now, ttl);
    }

    /// <summary>A provider record: <paramref name="publisher"/> provides <paramref name="contentKey"/>.</summary>
    /// <param name="publisher">The provider.</param>
    /// <param name="contentKey">What is provided.</param>
    /// <param name="info">How to reach the provider (may be empty: look up its peer record).</param>
    /// <param name="now">The signing time.</param>
    /// <param name="ttl">How long the record stays valid.</param>
    public static WireRecord CreateProvider(NodeIdentity publisher, NodeId contentKey, PeerInfo info, DateTimeOffset now, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return Sign(publisher, RecordKind.Provider, contentKey, "", "", MessagePackSerializer.Serialize(info), now, ttl);
    }

    /// <summary>A plugin value stored under <see cref="ValueKey"/>.</summary>
    public static WireRecord CreateValue(NodeIdentity publisher, string @namespace, string name, ReadOnlySpan<byte> value, DateTimeOffset now, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return Sign(publisher, RecordKind.Value, ValueKey(@namespace, publisher.Id, name), @namespace, name, value.ToArray(), now, ttl);
    }

    /// <summary>The publisher's id: SHA-256 of its public key, or default when the key is malformed.</summary>
    public static NodeId PublisherId(WireRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.PublisherKey.Length == NodeIdentity.PublicKeySize ? NodeId.FromPublicKey(record.PublisherKey) : default;
    }

    /// <summary>The bytes the signature covers: the domain tag, then the record with an empty signature.</summary>
    internal static byte[] SignedBytes(WireRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.Write(DomainTag);
        MessagePackSerializer.Serialize(buffer, record with { Signature = [] });
        return buffer.WrittenSpan.ToArray();
    }

    private static WireRecord Sign(NodeIdentity publisher, RecordKind kind, NodeId key, string ns, string name, byte[] value, DateTimeOffset now, TimeSpan ttl)
    {
        var unsigned = new WireRecord
        {
            Kind = (byte)kind,
            Key = key.ToArray(),
            PublisherKey = publisher.PublicKey.ToArray(),
            Namespace = ns,
            Name = name,
            Value = value,
            IssuedAtMs = now.ToUnixTimeMilliseconds(),
            ExpiresAtMs = (now + ttl).ToUnixTimeMilliseconds(),
        };
        byte[] signature = new byte[NodeIdentity.SignatureSize];
        publisher.Sign(SignedBytes(unsigned), signature);
        return unsigned with { Signature = signature };
    }
}
