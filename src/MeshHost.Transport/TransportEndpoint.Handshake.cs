using System.Net;
using System.Net.Sockets;
using MeshHost.Transport.Network;
using MeshHost.Transport.Security;

namespace MeshHost.Transport;

// The responder's side of the handshake, and the datagrams that drive the initiator's.
public sealed partial class TransportEndpoint
{
    private void OnInitial(ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        if (!HandshakeParser.TryParseInitial(datagram, out InitialMessage initial))
        {
            _counters.Malformed++;
            return;
        }

        lock (_handshakeLock)
        {
            if (_acceptingByInitiator.TryGetValue(initial.InitiatorCid, out PendingAccept? existing))
            {
                if (existing.Address.Equals(source))
                {
                    // A repeated Initial: our response was lost. Send the same bytes again, within
                    // three times what this unvalidated address has sent us.
                    existing.BytesReceived += datagram.Length;
                    SendResponse(existing);
                }
                else
                {
                    _counters.HandshakesRefused++;
                }

                return;
            }

            bool validated = false;
            if (!initial.Token.IsEmpty)
            {
                if (!_retryTokens.Validate(initial.Token, source, initial.InitiatorCid))
                {
                    _counters.InvalidTokens++;
                    return;
                }

                validated = true;
            }

            if (_sessions.Count + _accepting.Count >= Options.MaxSessions)
            {
                _counters.HandshakesRefused++;
                return;
            }

            // Under load, before keeping any state, ask the initiator to prove its address.
            bool mustRetry = !validated
                && (Options.AlwaysRetry || _accepting.Count >= Options.RetryThreshold || !_handshakeRate.TryTake(Clock.NowMicroseconds));
            if (mustRetry)
            {
                SendRetry(initial.InitiatorCid, source);
                return;
            }

            HandshakeResponder responder;
            try
            {
                responder = HandshakeResponder.Create(Identity, initial, ConnectionId.NewRandom(), SocketAddressLayout.ToEndPoint(source));
            }
            catch (HandshakeException ex)
            {
                _counters.HandshakeFailures++;
                TransportLog.HandshakeRejected(Logger, SocketAddressLayout.ToEndPoint(source), ex.Failure.ToString());
                return;
            }

            var accept = new PendingAccept(responder, SocketAddressLayout.Copy(source), Clock.NowMicroseconds, validated)
            {
                BytesReceived = datagram.Length,
            };
            _accepting.Add(responder.LocalCid, accept);
            _acceptingByInitiator.Add(initial.InitiatorCid, accept);
            _counters.HandshakesStarted++;
            SendResponse(accept);
        }
    }

    private void SendResponse(PendingAccept accept)
    {
        int length = accept.Responder.WriteResponse(_handshakeScratch);
        if (!accept.Validated && accept.BytesSent + length > 3L * accept.BytesReceived)
        {
            _counters.AmplificationLimited++;
            return;
        }

        accept.BytesSent += length;
        Socket.Send(_handshakeScratch.AsSpan(0, length), accept.Address);
    }

    private void SendRetry(ConnectionId initiatorCid, SocketAddress source)
    {
        Span<byte> token = stackalloc byte[64];
        int tokenLength = _retryTokens.Issue(token, source, initiatorCid);
        int length = RetryTokens.WriteRetry(_handshakeScratch, initiatorCid, token.Slice(0, tokenLength));
        _counters.RetriesSent++;
        Socket.Send(_handshakeScratch.AsSpan(0, length), source);
    }

    private void OnRetry(ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        if (!HandshakeInitiator.TryParseRetry(datagram, out ConnectionId cid, out ReadOnlySpan<byte> token))
        {
            _counters.Malformed++;
            return;
        }

        PendingConnect? pending;
        lock (_handshakeLock)
        {
            _connecting.TryGetValue(cid, out pending);
        }

        if (pending is null || !pending.Address.Equals(source))
        {
            _counters.UnknownConnection++;
            return;
        }

        pending.OnRetry(token);
    }

    private void OnHandshake(ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        if (datagram.Length < 1 + ConnectionId.Size)
        {
            _counters.Malformed++;
            return;
        }

        var cid = ConnectionId.Read(datagram.Slice(1));
        PendingConnect? connect;
        PendingAccept? accept;
        lock (_handshakeLock)
        {
            _connecting.TryGetValue(cid, out connect);
            _accepting.TryGetValue(cid, out accept);
        }

        if (connect is not null)
        {
            OnResponse(connect, datagram, source);
        }
        else if (accept is not null)
        {
            OnFinish(accept, datagram, source);
        }
        else if (_sessions.TryGetValue(cid, out Session? session)
            && !session.IsInitiator && datagram.Length >= HandshakeLayout.FinishSize)
        {
            // The initiator repeated its finish: it has not heard from us since, and any Data packet
            // confirms. Rate-limited in the session, since anyone who saw the CID can send this.
            session.OnRepeatedFinish();
        }
        else
        {
            _counters.UnknownConnection++;
        }
    }

    private void OnResponse(PendingConnect connect, ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        if (!connect.Address.Equals(source))
        {
            _counters.UnknownConnection++;
            return;
        }

        HandshakeResponse response;
        try
        {
            response = connect.Initiator.ProcessResponse(datagram);
        }
        catch (HandshakeException ex)
        {
            _counters.HandshakeFailures++;
            TransportLog.HandshakeRejected(Logger, connect.Remote, ex.Failure.ToString());
            if (ex.Failure == HandshakeFailure.IdentityMismatch)
            {
                // A valid signature from someone else: waiting longer cannot help.
                if (RemoveConnect(connect))
                {
                    connect.Fail(new HandshakeFailedException(ex.Failure, ex.Message, ex));
                }
            }
            else
            {
                // Possibly forged by a third party: ignore it and keep waiting for the real answer.
                connect.RecordFailure(ex);
            }

            return;
        }

        if (!RemoveConnect(connect))
        {
            response.Keys.Dispose();
            return; // timed out or cancelled meanwhile
        }

        byte[] finish = new byte[512];
        int finishLength = connect.Initiator.WriteFinish(finish);
        Array.Resize(ref finish, finishLength);
        var session = new Session(
            this, isInitiator: true, connect.LocalCid, response.RemoteCid, response.Keys, response.PeerId,
            response.PeerPublicKey, connect.Address, response.ObservedAddress, finish);
        _sessions[session.LocalCid] = session;
        _counters.HandshakesCompleted++;
        Socket.Send(finish, connect.Address);
        TransportLog.SessionEstablished(Logger, session.RemoteId.ToShortString(), connect.Remote, "initiator");
        NotifyEstablished(session);
        connect.Complete(session);
    }

    private void OnFinish(PendingAccept accept, ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        if (!accept.Address.Equals(source))
        {
            _counters.UnknownConnection++;
            return;
        }

        HandshakeFinish finish;
        try
        {
            finish = accept.Responder.ProcessFinish(datagram);
        }
        catch (HandshakeException ex)
        {
            _counters.HandshakeFailures++;
            TransportLog.HandshakeRejected(Logger, SocketAddressLayout.ToEndPoint(source), ex.Failure.ToString());
            return;
        }

        lock (_handshakeLock)
        {
            if (!RemoveAccept(accept))
            {
                return;
            }
        }

        var session = new Session(
            this, isInitiator: false, accept.Responder.LocalCid, accept.Responder.RemoteCid, accept.Responder.Keys,
            finish.PeerId, finish.PeerPublicKey, accept.Address, observedAddress: null, initiatorFinish: null);
        _sessions[session.LocalCid] = session;
        _counters.HandshakesCompleted++;
        TransportLog.SessionEstablished(Logger, session.RemoteId.ToShortString(), session.RemoteEndPoint, "responder");
        NotifyEstablished(session);

        // Tell the initiator at once that its finish arrived (any Data packet does).
        session.RequestPing();
    }

    private void NotifyEstablished(Session session)
    {
        try
        {
            Handler.OnSessionEstablished(session);
        }
        catch (Exception ex)
        {
            CountHandlerFault();
            TransportLog.HandlerFault(Logger, session.RemoteId.ToShortString(), ex);
        }
    }

    private bool RemoveConnect(PendingConnect connect)
    {
        lock (_handshakeLock)
        {
            return _connecting.Remove(connect.LocalCid);
        }
    }

    private bool RemoveAccept(PendingAccept accept)
    {
        // Caller holds _handshakeLock.
        if (!_accepting.Remove(accept.Responder.LocalCid))
        {
            return false;
        }

        _acceptingByInitiator.Remove(accept.Responder.RemoteCid);

        // Frees the handshake keys of an abandoned handshake; a completed one leaves its keys to
        // the session.
        accept.Responder.Dispose();
        return true;
    }

    internal void SendHandshakeDatagram(ReadOnlySpan<byte> datagram, SocketAddress destination) => Socket.Send(datagram, destination);

    /// <summary>Takes a connect attempt out of the table; true when this caller did, and so owns its outcome.</summary>
    internal bool OnConnectFinished(PendingConnect connect) => RemoveConnect(connect);

    /// <summary>A handshake this node answered, waiting for the initiator's finish.</summary>
    private sealed class PendingAccept(HandshakeResponder responder, SocketAddress address, long createdAt, bool validated)
    {
        public HandshakeResponder Responder { get; } = responder;

        public SocketAddress Address { get; } = address;

        public long CreatedAt { get; } = createdAt;

        public bool Validated { get; } = validated;

        public long BytesReceived { get; set; }

        public long BytesSent { get; set; }
    }
}
