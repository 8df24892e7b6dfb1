using MeshHost.Plugins.FileShare.Content;

namespace MeshHost.Plugins.FileShare.Protocol;

/// <summary>The wire protocol's channel names and bounds (docs/fileshare.md, "Protocol").</summary>
internal static class FileShareProtocol
{
    /// <summary>Metadata slices.</summary>
    public const string MetadataChannel = "meshhost.fileshare/v1/metadata";

    /// <summary>Have-bitfields.</summary>
    public const string HaveChannel = "meshhost.fileshare/v1/have";

    /// <summary>Blocks with proofs.</summary>
    public const string BlockChannel = "meshhost.fileshare/v1/blocks";

    /// <summary>Bytes of metadata per response: well under the mesh's 1 MiB message limit with the envelope.</summary>
    public const int MaxMetadataSlice = 768 * 1024;

    /// <summary>Blocks per request: 48 × 16 KiB = 768 KiB plus at most 48 × 10 × 32 bytes of proofs, under 1 MiB.</summary>
    public const int MaxBlocksPerRequest = 48;

    /// <summary>Bitfield bytes per have-response (4 Mi pieces).</summary>
    public const int MaxHaveBytes = 512 * 1024;

    /// <summary>The length of a share root.</summary>
    public const int RootLength = MerkleHash.HashSize;
}
