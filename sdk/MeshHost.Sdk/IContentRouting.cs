namespace MeshHost.Sdk;

/// <summary>
/// Finds which peers hold a piece of content, through provider records in the DHT. Keys are opaque
/// bytes (a file's hash, a block id); the mesh hashes them with a domain tag, so any length works.
/// </summary>
public interface IContentRouting
{
    /// <summary>
    /// Announces that this node provides <paramref name="key"/>, and keeps announcing it (the record is
    /// republished before it expires) until <see cref="StopProviding"/> or shutdown.
    /// </summary>
    /// <returns>How many DHT nodes stored the record (0 when the node knows no other node yet; it retries on republish).</returns>
    Task<int> ProvideAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default);

    /// <summary>Stops republishing <paramref name="key"/>; stored records expire on their own.</summary>
    void StopProviding(ReadOnlyMemory<byte> key);

    /// <summary>
    /// Finds peers that provide <paramref name="key"/>, nearest records first; never includes this node.
    /// </summary>
    /// <returns>The providers found, at most <paramref name="maxCount"/>; empty when none is known.</returns>
    Task<IReadOnlyList<PeerId>> FindProvidersAsync(ReadOnlyMemory<byte> key, int maxCount = 20, CancellationToken cancellationToken = default);
}
