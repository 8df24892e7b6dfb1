namespace MeshHost.Transport.Security;

/// <summary>The two sides of a handshake; keys and signatures are labelled by the side that uses them to send or sign.</summary>
internal enum HandshakeRole
{
    Initiator,
    Responder,
}
