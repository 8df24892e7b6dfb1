namespace MeshHost.MessagePack;

/// <summary>
/// Limits applied while reading untrusted input. Writing needs no options. Instances are
/// immutable; create one with an object initializer and share it freely between threads.
/// </summary>
public sealed record MessagePackSerializerOptions
{
    /// <summary>The defaults: nesting depth 64, input at most 16 MiB (the transport's message limit).</summary>
    public static MessagePackSerializerOptions Default { get; } = new();

    /// <summary>
    /// The deepest nesting of arrays, maps and objects a reader accepts (1 to 1,000; default 64).
    /// Deeper input fails with <see cref="MessagePackSerializationException"/> instead of
    /// exhausting the stack.
    /// </summary>
    public int MaxDepth
    {
        get;
        init => field = value is >= 1 and <= 1000
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxDepth), value, "MaxDepth must be between 1 and 1000.");
    } = 64;

    /// <summary>
    /// The largest input, in bytes, that <see cref="MessagePackSerializer"/> accepts (default 16 MiB).
    /// Every length inside the input is also checked against the bytes that remain before anything
    /// is allocated, so memory use stays proportional to the input.
    /// </summary>
    public int MaxInputLength
    {
        get;
        init => field = value > 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxInputLength), value, "MaxInputLength must be positive.");
    } = 16 * 1024 * 1024;
}
