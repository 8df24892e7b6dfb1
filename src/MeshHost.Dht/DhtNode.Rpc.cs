using MeshHost.Dht.Protocol;

namespace MeshHost.Dht;

public sealed partial class DhtNode
{
    /// <summary>
    /// Sends one request with a timeout and up to <paramref name="retries"/> further attempts after
    /// a timeout. Returns the response only if it echoes the request id and has the type the
    /// request calls for; anything else counts as a failure of <paramref name="to"/>. A success
    /// refreshes <paramref name="to"/> in the routing table (it proved itself alive).
    /// </summary>
    internal async ValueTask<DhtResponse?> CallAsync(DhtContact to, DhtRequest request, int retries, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            ulong requestId = NextRequestId();
            DhtRequest sent = request with { RequestId = requestId };
            DhtResponse? response = null;
            using (var timeout = new CancellationTokenSource(Options.RequestTimeout, Time))
            using (cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), timeout))
            {
                try
                {
                    response = await _rpc.SendAsync(to, sent, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // A timeout, or the caller's cancellation (rethrown below).
                }
                catch (Exception e)
                {
                    DhtLog.RpcThrew(_logger, to.ToString(), e);
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (response is not null)
            {
                if (response.RequestId != requestId || !Fits(sent, response))
                {
                    // An answer, but garbage: no retry, the node is misbehaving.
                    if (to.Id != default)
                    {
                        ReportFailure(to);
                    }

                    return null;
                }

                DhtContact proven = to;
                if (to.Id == default && response is PongResponse { NodeId.Length: Transport.NodeId.Size } pong)
                {
                    proven = to with { Id = new Transport.NodeId(pong.NodeId) };
                }

                if (proven.Id != default)
                {
                    Observe(proven);
                }

                return response;
            }

            if (attempt >= retries)
            {
                if (to.Id != default)
                {
                    ReportFailure(to);
                }

                return null;
            }
        }
    }

    private bool Fits(DhtRequest request, DhtResponse response) => (request, response) switch
    {
        (PingRequest, PongResponse pong) => pong.NodeId is { Length: Transport.NodeId.Size },
        (FindNodeRequest, NodesResponse nodes) => nodes.Contacts is not null && nodes.Contacts.Length <= Options.K,
        (FindValueRequest, NodesResponse nodes) => nodes.Contacts is not null && nodes.Contacts.Length <= Options.K,
        (FindValueRequest, ValueResponse value) => value.Contacts is not null && value.Contacts.Length <= Options.K && value.Records is not null,
        (StoreRequest, StoreResponse) => true,
        _ => false,
    };
}
