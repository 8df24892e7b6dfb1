namespace MeshHost.Transport.Security;

/// <summary>Why a handshake message was rejected.</summary>
internal enum HandshakeFailure
{
    /// <summary>The datagram does not have the layout of the expected message, or a key is not a P-256 point.</summary>
    Malformed,

    /// <summary>The peer's signature does not cover this handshake's transcript (for example a man in the middle swapped keys).</summary>
    BadSignature,

    /// <summary>The peer proved an identity other than the NodeId the caller pinned.</summary>
    IdentityMismatch,

    /// <summary>The sealed part does not open: tampered, or keyed for another handshake.</summary>
    DecryptionFailed,

    /// <summary>The Initial asks for a protocol version this node does not speak.</summary>
    UnsupportedVersion,

    /// <summary>The message does not belong here: another connection id, or a step already completed.</summary>
    UnexpectedMessage,
}
