using MeshHost.Transport.Security;

namespace MeshHost.Transport;

/// <summary>A connect failed because the peer's handshake did not check out (for example, it proved another identity than the one pinned).</summary>
public sealed class HandshakeFailedException : Exception
{
    internal HandshakeFailedException(HandshakeFailure failure, string message, Exception? inner)
        : base(message, inner)
    {
        Failure = failure.ToString();
    }

    /// <summary>What failed: IdentityMismatch, BadSignature, DecryptionFailed, Malformed, UnsupportedVersion.</summary>
    public string Failure { get; }
}
