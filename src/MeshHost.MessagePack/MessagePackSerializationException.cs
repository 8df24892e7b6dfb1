namespace MeshHost.MessagePack;

/// <summary>
/// The only exception that serialization and deserialization throw for bad input or an
/// unserializable value. <see cref="Offset"/> is the byte offset in the input at which reading
/// failed, or -1 when the failure is not tied to an input position (for example while writing).
/// </summary>
public sealed class MessagePackSerializationException : Exception
{
    /// <summary>Creates an exception that is not tied to an input position.</summary>
    public MessagePackSerializationException(string message)
        : this(message, -1, null)
    {
    }

    /// <summary>Creates an exception that wraps another failure.</summary>
    public MessagePackSerializationException(string message, Exception? innerException)
        : this(message, -1, innerException)
    {
    }

    /// <summary>Creates an exception for a failure at <paramref name="offset"/> bytes into the input.</summary>
    public MessagePackSerializationException(string message, long offset, Exception? innerException = null)
        : base(offset >= 0 ? $"{message} (at byte offset {offset})" : message, innerException)
    {
        Offset = offset;
    }

    /// <summary>The byte offset in the input where reading failed, or -1.</summary>
    public long Offset { get; }
}
