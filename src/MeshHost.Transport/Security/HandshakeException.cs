using System.Diagnostics.CodeAnalysis;

namespace MeshHost.Transport.Security;

/// <summary>A handshake message was rejected; <see cref="Failure"/> says why.</summary>
[SuppressMessage("Design", "CA1064:Exceptions should be public", Justification = "The session layer turns it into a connect failure; it never crosses the assembly boundary.")]
internal sealed class HandshakeException : Exception
{
    public HandshakeException(HandshakeFailure failure, string message)
        : base(message)
    {
        Failure = failure;
    }

    public HandshakeFailure Failure { get; }
}
