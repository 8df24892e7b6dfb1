using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using BenchmarkDotNet.Attributes;
using MeshHost.MessagePack;

namespace MeshHost.Bench.Serializer;

/// <summary>
/// The four measurements (MessagePack and System.Text.Json, each way) for one message type. Both
/// formats serialize into a reused buffer and deserialize from bytes encoded once in setup, so the
/// benchmarks time the serializers and nothing else. BenchmarkDotNet requires benchmark classes
/// to be public and unsealed.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public abstract class SerializerBenchmarks<T>
    where T : class, IMessagePackSerializable<T>
{
    private readonly ArrayBufferWriter<byte> _messagePackBuffer = new(SampleMessages.BlobSize * 2);
    private readonly ArrayBufferWriter<byte> _jsonBuffer = new(SampleMessages.BlobSize * 2);
    private readonly Utf8JsonWriter _jsonWriter;
    private readonly JsonTypeInfo<T> _jsonTypeInfo;
    private readonly T _value;
    private readonly byte[] _messagePackBytes;
    private readonly byte[] _jsonBytes;

    /// <summary>Encodes the sample once in each format; all the benchmarks then reuse this state.</summary>
    protected SerializerBenchmarks(T value, JsonTypeInfo<T> jsonTypeInfo)
    {
        _value = value;
        _jsonTypeInfo = jsonTypeInfo;
        _jsonWriter = new Utf8JsonWriter(_jsonBuffer);
        _messagePackBytes = MessagePackSerializer.Serialize(value);
        _jsonBytes = JsonSerializer.SerializeToUtf8Bytes(value, jsonTypeInfo);
    }

    /// <summary>The size of the sample's MessagePack encoding.</summary>
    internal int MessagePackSize => _messagePackBytes.Length;

    /// <summary>The size of the sample's UTF-8 JSON encoding.</summary>
    internal int JsonSize => _jsonBytes.Length;

    /// <summary>MeshHost MessagePack into a reused buffer; must not allocate.</summary>
    [Benchmark]
    public int MessagePackSerialize()
    {
        _messagePackBuffer.ResetWrittenCount();
        MessagePackSerializer.Serialize(_messagePackBuffer, _value);
        return _messagePackBuffer.WrittenCount;
    }

    /// <summary>System.Text.Json (source-generated) into a reused buffer through a reused writer.</summary>
    [Benchmark]
    public int JsonSerialize()
    {
        _jsonBuffer.ResetWrittenCount();
        _jsonWriter.Reset(_jsonBuffer);
        JsonSerializer.Serialize(_jsonWriter, _value, _jsonTypeInfo);
        return _jsonBuffer.WrittenCount;
    }

    /// <summary>MeshHost MessagePack from bytes to a new object graph.</summary>
    [Benchmark]
    public T MessagePackDeserialize() => MessagePackSerializer.Deserialize<T>(_messagePackBytes)!;

    /// <summary>System.Text.Json (source-generated) from UTF-8 bytes to a new object graph.</summary>
    [Benchmark]
    public T JsonDeserialize() => JsonSerializer.Deserialize(_jsonBytes, _jsonTypeInfo)!;

    /// <summary>
    /// Checks that both formats give back what went in and that the benchmark methods write the
    /// bytes measured for size; returns what went wrong, or null. Timing a serializer that drops a
    /// field would be meaningless.
    /// </summary>
    internal string? Verify()
    {
        string name = typeof(T).Name;
        T? fromMessagePack = MessagePackSerializer.Deserialize<T>(_messagePackBytes);
        if (fromMessagePack is null || !ContentEquals(_value, fromMessagePack))
        {
            return $"{name}: the MessagePack round trip changed the value";
        }

        T? fromJson = JsonSerializer.Deserialize(_jsonBytes, _jsonTypeInfo);
        if (fromJson is null || !ContentEquals(_value, fromJson))
        {
            return $"{name}: the JSON round trip changed the value";
        }

        MessagePackSerialize();
        if (!_messagePackBuffer.WrittenSpan.SequenceEqual(_messagePackBytes))
        {
            return $"{name}: serializing into a reused buffer gave different MessagePack bytes";
        }

        JsonSerialize();
        if (!_jsonBuffer.WrittenSpan.SequenceEqual(_jsonBytes))
        {
            return $"{name}: serializing through a reused Utf8JsonWriter gave different JSON bytes";
        }

        return null;
    }

    /// <summary>
    /// Calls every benchmark for <paramref name="duration"/> so that tiered compilation has promoted
    /// them and everything they call (with dynamic PGO) to optimized code before BenchmarkDotNet
    /// starts. A short job's pilot and warmup stages are otherwise too brief for it, and the first
    /// iterations would time tier-0 code of whichever serializer happened to run first.
    /// </summary>
    internal void WarmUp(TimeSpan duration)
    {
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < duration)
        {
            for (int i = 0; i < 32; i++)
            {
                MessagePackSerialize();
                JsonSerialize();
                MessagePackDeserialize();
                JsonDeserialize();
            }
        }
    }

    /// <summary>Whether two values hold the same data.</summary>
    protected abstract bool ContentEquals(T expected, T actual);
}
