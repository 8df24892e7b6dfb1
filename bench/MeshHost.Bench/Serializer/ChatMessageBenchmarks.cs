namespace MeshHost.Bench.Serializer;

/// <summary>Serializer benchmarks on the small chat message.</summary>
public class ChatMessageBenchmarks : SerializerBenchmarks<ChatMessage>
{
    /// <summary>Builds the sample message and its encodings.</summary>
    public ChatMessageBenchmarks()
        : base(SampleMessages.CreateChat(), SerializerJsonContext.Default.ChatMessage)
    {
    }

    /// <inheritdoc/>
    protected override bool ContentEquals(ChatMessage expected, ChatMessage actual) => SampleMessages.ContentEquals(expected, actual);
}
