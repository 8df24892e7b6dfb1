using System.Buffers.Binary;
using System.Text;
using MeshHost.MessagePack;
using MeshHost.Mesh.Connections;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh.Channels;

/// <summary>
/// Request/response over one named channel. Every frame is <c>kind u8 | request id u64 LE | body</c>:
/// kind 0 a request (body: the request), 1 a response (body: the response), 2 an error (body: UTF-8 text).
/// </summary>
internal sealed class RequestChannel<TRequest, TResponse> : LocalChannel, IRequestChannel<TRequest, TResponse>
    where TRequest : IMessagePackSerializable<TRequest>
    where TResponse : IMessagePackSerializable<TResponse>
{
    internal const byte RequestKind = 0;
    internal const byte ResponseKind = 1;
    internal const byte ErrorKind = 2;
    internal const int HeaderSize = 9;
    private const int MaxErrorChars = 200;

    private readonly Lock _sync = new();
    private readonly Dictionary<ulong, Pending> _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private RequestHandler<TRequest, TResponse>? _handler;
    private ulong _nextId = (ulong)Random.Shared.NextInt64();
    private int _running;

    public RequestChannel(MeshNode node, string name)
        : base(node, name)
    {
    }

    internal int PendingCount
    {
        get
        {
            lock (_sync)
            {
                return _pending.Count;
            }
        }
    }

    public async Task<TResponse> RequestAsync(PeerId peer, TRequest request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        NodeId target = peer.ToNodeId();

        // Created first: a timeout the clock cannot represent throws here, before anything is registered.
        using var deadline = new CancellationTokenSource(timeout, Node.Time);
        var pending = new Pending(target);
        ulong id;
        lock (_sync)
        {
            if (_pending.Count >= MeshLimits.MaxPendingRequests)
            {
                throw new MeshException(MeshError.Closed, $"Channel '{Name}' already has {MeshLimits.MaxPendingRequests} requests waiting; try again when some complete.");
            }

            id = ++_nextId;
            _pending.Add(id, pending);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using (var buffer = new PooledBufferWriter())
            {
                WriteHeader(buffer, RequestKind, id);
                MessagePackSerializer.Serialize(buffer, request);
                await Node.SendNamedAsync(target, Name, DeliveryMethod.ReliableUnordered, buffer.WrittenMemory, linked.Token).ConfigureAwait(false);
            }

            return await pending.Completion.Task.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{target.ToShortString()} did not answer on '{Name}' within {timeout.TotalMilliseconds:0} ms.");
        }
        finally
        {
            lock (_sync)
            {
                _pending.Remove(id);
            }
        }
    }

    public IDisposable Handle(RequestHandler<TRequest, TResponse> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (Interlocked.CompareExchange(ref _handler, handler, null) is not null)
        {
            throw new InvalidOperationException($"Channel '{Name}' already has a request handler.");
        }

        return new HandlerRegistration(this, handler);
    }

    public override void Deliver(PeerConnection from, ReadOnlySpan<byte> payload)
    {
        if (payload.Length < HeaderSize)
        {
            Interlocked.Increment(ref Node.Counters.DroppedMalformed);
            return;
        }

        byte kind = payload[0];
        ulong id = BinaryPrimitives.ReadUInt64LittleEndian(payload[1..]);
        ReadOnlySpan<byte> body = payload[HeaderSize..];
        switch (kind)
        {
            case RequestKind:
                OnRequest(from, id, body);
                break;
            case ResponseKind:
            case ErrorKind:
                OnAnswer(from, kind, id, body);
                break;
            default:
                Interlocked.Increment(ref Node.Counters.DroppedMalformed);
                break;
        }
    }

    public override void OnPeerLeft(NodeId peer)
    {
        List<Pending>? failed = null;
        lock (_sync)
        {
            foreach (Pending pending in _pending.Values)
            {
                if (pending.Peer == peer)
                {
                    (failed ??= []).Add(pending);
                }
            }
        }

        if (failed is not null)
        {
            foreach (Pending pending in failed)
            {
                pending.Completion.TrySetException(new MeshException(MeshError.Closed, $"The session with {peer.ToShortString()} closed before it answered on '{Name}'."));
            }
        }
    }

    protected override void OnClosed()
    {
        _closing.Cancel();
        List<Pending> all;
        lock (_sync)
        {
            all = [.. _pending.Values];
            _pending.Clear();
        }

        foreach (Pending pending in all)
        {
            pending.Completion.TrySetException(new MeshException(MeshError.Disposed, $"Channel '{Name}' was closed."));
        }
    }

    private static void WriteHeader(PooledBufferWriter buffer, byte kind, ulong id)
    {
        Span<byte> header = buffer.GetSpan(HeaderSize);
        header[0] = kind;
        BinaryPrimitives.WriteUInt64LittleEndian(header[1..], id);
        buffer.Advance(HeaderSize);
    }

    private void OnAnswer(PeerConnection from, byte kind, ulong id, ReadOnlySpan<byte> body)
    {
        Pending? pending;
        lock (_sync)
        {
            // Only the peer asked may answer: a response id from anyone else is ignored.
            if (!_pending.TryGetValue(id, out pending) || pending.Peer != from.Id)
            {
                Interlocked.Increment(ref Node.Counters.DroppedUnknownChannel);
                return;
            }
        }

        if (kind == ErrorKind)
        {
            string text = Encoding.UTF8.GetString(body[..Math.Min(body.Length, MaxErrorChars * 4)]);
            pending.Completion.TrySetException(new MeshException(MeshError.RemoteError, $"{from.Id.ToShortString()} answered '{Name}' with an error: {text}"));
            return;
        }

        try
        {
            TResponse response = MessagePackSerializer.Deserialize<TResponse>(body, MeshNode.ChannelLimits)
                ?? throw new MessagePackSerializationException("A response is nil.");
            Interlocked.Increment(ref Node.Counters.MessagesReceived);
            pending.Completion.TrySetResult(response);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref Node.Counters.DroppedMalformed);
            pending.Completion.TrySetException(new MeshException(MeshError.RemoteError, $"{from.Id.ToShortString()} sent a response on '{Name}' that does not decode.", ex));
        }
    }

    private void OnRequest(PeerConnection from, ulong id, ReadOnlySpan<byte> body)
    {
        RequestHandler<TRequest, TResponse>? handler = Volatile.Read(ref _handler);
        if (handler is null)
        {
            SendError(from, id, "no handler");
            return;
        }

        TRequest request;
        try
        {
            request = MessagePackSerializer.Deserialize<TRequest>(body, MeshNode.ChannelLimits)
                ?? throw new MessagePackSerializationException("A request is nil.");
        }
        catch (Exception)
        {
            Interlocked.Increment(ref Node.Counters.DroppedMalformed);
            SendError(from, id, "malformed request");
            return;
        }

        Interlocked.Increment(ref Node.Counters.MessagesReceived);
        if (Interlocked.Increment(ref _running) > MeshLimits.MaxConcurrentHandlers)
        {
            Interlocked.Decrement(ref _running);
            SendError(from, id, "busy");
            return;
        }

        Node.Observe(AnswerAsync(handler, from, id, request), "request handler");
    }

    private async Task AnswerAsync(RequestHandler<TRequest, TResponse> handler, PeerConnection from, ulong id, TRequest request)
    {
        try
        {
            await Task.Yield(); // off the network thread
            TResponse response;
            try
            {
                response = await handler(from.Id.ToPeerId(), request, _closing.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!_closing.IsCancellationRequested)
            {
                Interlocked.Increment(ref Node.Counters.HandlerFaults);
                MeshLog.HandlerFaulted(Node.Logger, Name, from.Id.ToShortString(), ex);
                SendError(from, id, $"handler failed ({ex.GetType().Name})");
                return;
            }

            using var buffer = new PooledBufferWriter();
            WriteHeader(buffer, ResponseKind, id);
            MessagePackSerializer.Serialize(buffer, response);
            if (buffer.WrittenCount > MeshLimits.MaxChannelMessageBytes)
            {
                SendError(from, id, "response too large");
                return;
            }

            // The session the request came on may since have lost a duplicate-session tie and closed.
            PeerConnection replyOn = Node.GetReadyConnection(from.Id) ?? from;
            await Node.SendNamedAsync(replyOn, Name, DeliveryMethod.ReliableUnordered, buffer.WrittenMemory, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MeshException or OperationCanceledException)
        {
            // The requester left or the channel closed: it will time out or has already.
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    /// <summary>
    /// Answers with an error if the session has room, else drops it: a peer that floods requests
    /// without reading our answers must not make us queue answers without bound.
    /// </summary>
    private void SendError(PeerConnection to, ulong id, string reason)
    {
        using var buffer = new PooledBufferWriter();
        WriteHeader(buffer, ErrorKind, id);
        Encoding.UTF8.GetBytes(reason, buffer);
        if (to.TryGetRemoteChannel(Name, out byte channel))
        {
            to.Session.TrySend(channel, DeliveryMethod.ReliableUnordered, buffer.WrittenSpan);
        }
    }

    private sealed class Pending
    {
        public Pending(NodeId peer)
        {
            Peer = peer;

            // It may fault (peer left, channel closed) while the requester is still sending and
            // will never await it.
            Completion.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        public NodeId Peer { get; }

        public TaskCompletionSource<TResponse> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class HandlerRegistration(RequestChannel<TRequest, TResponse> channel, RequestHandler<TRequest, TResponse> handler) : IDisposable
    {
        public void Dispose() => Interlocked.CompareExchange(ref channel._handler, null, handler);
    }
}
