using MeshHost.Plugins.FileShare.Content;
using MeshHost.Plugins.FileShare.Protocol;
using MeshHost.Sdk;

namespace MeshHost.Plugins.FileShare.Downloading;

/// <summary>Finding providers and fetching the metadata.</summary>
internal sealed partial class ShareDownload
{
    private readonly HashSet<PeerId> _badMetadata = [];

    private async Task<ShareLayout> FetchMetadataAsync(CancellationToken cancellationToken)
    {
        long searchStarted = _env.Time.GetTimestamp();
        byte[] root = Link.Root.ToArray();
        bool anyProvider = false;
        while (true)
        {
            IReadOnlyList<PeerId> providers = await FindProvidersAsync(cancellationToken).ConfigureAwait(false);
            foreach (PeerId peer in providers)
            {
                anyProvider = true;
                if (_badMetadata.Contains(peer))
                {
                    continue;
                }

                ShareLayout? layout = await TryFetchMetadataAsync(peer, root, cancellationToken).ConfigureAwait(false);
                if (layout is not null)
                {
                    return layout;
                }
            }

            if (_env.Time.GetElapsedTime(searchStarted) >= _env.ProviderSearchTimeout)
            {
                throw new TimeoutException(anyProvider
                    ? $"No provider of {Id} sent metadata that matches the link within {_env.ProviderSearchTimeout.TotalSeconds:0} s (each answer is checked against the link's root): the link may be wrong."
                    : $"No peer provides {Id} (searched {_env.ProviderSearchTimeout.TotalSeconds:0} s): check the link, and that the sharing node is running and connected to this mesh.");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), _env.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<PeerId>> FindProvidersAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            return await _env.Content.FindProvidersAsync(Link.Root.ToArray(), _env.MaxPeers, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [];
        }
        catch (MeshException)
        {
            return [];
        }
    }

    /// <summary>Fetches the whole encoding slice by slice from one peer and verifies it; null (peer remembered) when it fails.</summary>
    private async Task<ShareLayout?> TryFetchMetadataAsync(PeerId peer, byte[] root, CancellationToken cancellationToken)
    {
        try
        {
            byte[]? encoded = null;
            int offset = 0;
            do
            {
                MetadataResponse response = await _env.Channels.Metadata.RequestAsync(peer, new MetadataRequest { Root = root, Offset = offset }, _env.Options.RequestTimeout, cancellationToken).ConfigureAwait(false);
                if (response.Status != (int)FileShareStatus.Ok)
                {
                    FileShareLog.MetadataRefused(_env.Logger, Id, peer.ToShortString(), $"status {(FileShareStatus)response.Status}");
                    return null;
                }

                byte[] data = response.Data ?? [];
                if (response.TotalLength is <= 0 or > ShareCodec.MaxMetadataBytes || (encoded is not null && encoded.Length != response.TotalLength)
                    || data.Length == 0 || data.Length > FileShareProtocol.MaxMetadataSlice || offset + data.Length > response.TotalLength)
                {
                    throw new InvalidDataException($"a metadata slice of {data.Length} bytes at {offset} of {response.TotalLength} is out of bounds");
                }

                encoded ??= new byte[response.TotalLength];
                data.CopyTo(encoded.AsSpan(offset));
                offset += data.Length;
            }
            while (offset < encoded.Length);

            return ShareLayout.Decode(encoded, root);
        }
        catch (InvalidDataException e)
        {
            _badMetadata.Add(peer);
            FileShareLog.MetadataRefused(_env.Logger, Id, peer.ToShortString(), e.Message);
            return null;
        }
        catch (Exception e) when (e is MeshException or TimeoutException)
        {
            FileShareLog.MetadataRefused(_env.Logger, Id, peer.ToShortString(), e.Message);
            return null;
        }
    }
}
