using MeshHost.Sdk;

namespace MeshHost.Plugins.FileShare.Protocol;

/// <summary>The protocol's three request channels, opened together by the plugin.</summary>
internal sealed record FileShareChannels(
    IRequestChannel<MetadataRequest, MetadataResponse> Metadata,
    IRequestChannel<HaveRequest, HaveResponse> Have,
    IRequestChannel<BlockRequest, BlockResponse> Blocks);
