namespace MeshHost.Bench.Serializer;

/// <summary>Serializer benchmarks on the 64 KiB blob message.</summary>
public class BlobMessageBenchmarks : SerializerBenchmarks<BlobMessage>
{
    /// <summary>Builds the sample message and its encodings.</summary>
    public BlobMessageBenchmarks()
        : base(SampleMessages.CreateBlob(), SerializerJsonContext.Default.BlobMessage)
    {
    }

    /// <inheritdoc/>
    protected override bool ContentEquals(BlobMessage expected, BlobMessage actual) => SampleMessages.ContentEquals(expected, actual);
}
