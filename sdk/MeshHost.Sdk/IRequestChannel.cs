using MeshHost.MessagePack;

namespace MeshHost.Sdk;

/// <summary>Answers one request; its result (or exception) goes back to the requester.</summary>
/// <param name="from">The authenticated peer that asked.</param>
/// <param name="request">The decoded request.</param>
/// <param name="cancellationToken">Cancelled when the node or the channel stops.</param>
public delegate ValueTask<TResponse> RequestHandler<in TRequest, TResponse>(PeerId from, TRequest request, CancellationToken cancellationToken);

/// <summary>
/// A named request/response channel, opened with <see cref="IMesh.OpenRequestChannel{TRequest, TResponse}"/>.
/// Requests and responses travel reliably; each request waits for its own response.
/// </summary>
/// <remarks>
/// Thread-safe. At most <see cref="MeshLimits.MaxPendingRequests"/> requests may wait at once per
/// channel; more fail fast with <see cref="MeshException"/>. On the answering side, handlers run
/// concurrently up to <see cref="MeshLimits.MaxConcurrentHandlers"/> per channel; requests beyond
/// that are refused with an error response rather than queued without bound.
/// </remarks>
public interface IRequestChannel<TRequest, TResponse> : IDisposable
    where TRequest : IMessagePackSerializable<TRequest>
    where TResponse : IMessagePackSerializable<TResponse>
{
    /// <summary>The channel's name, unique per node.</summary>
    string Name { get; }

    /// <summary>
    /// Sends <paramref name="request"/> to <paramref name="peer"/> and waits for its response.
    /// </summary>
    /// <param name="peer">Who to ask; dialled first if there is no session.</param>
    /// <param name="request">The request.</param>
    /// <param name="timeout">How long to wait for the response, including the dial; must be positive.</param>
    /// <param name="cancellationToken">Cancels the wait; a late response is then dropped.</param>
    /// <exception cref="TimeoutException">No response within <paramref name="timeout"/>.</exception>
    /// <exception cref="MeshException">The peer is unreachable, has not opened the channel, or answered with an error (<see cref="MeshError.RemoteError"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<TResponse> RequestAsync(PeerId peer, TRequest request, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the handler that answers requests. A handler that throws sends the requester a
    /// <see cref="MeshError.RemoteError"/> carrying the exception's type name only (never its message
    /// or stack, which may hold local details). Without a handler, requests are answered with an error.
    /// </summary>
    /// <returns>Dispose it to remove the handler.</returns>
    /// <exception cref="InvalidOperationException">A handler is already set.</exception>
    IDisposable Handle(RequestHandler<TRequest, TResponse> handler);
}
