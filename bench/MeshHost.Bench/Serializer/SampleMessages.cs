namespace MeshHost.Bench.Serializer;

/// <summary>The benchmark's inputs, built from a fixed seed so every run measures the same bytes.</summary>
internal static class SampleMessages
{
    /// <summary>The size of <see cref="BlobMessage.Data"/>.</summary>
    public const int BlobSize = 64 * 1024;

    private const int Seed = 20261121;

    /// <summary>A chat message: 32-byte sender, 100-character text, 8 ints, a 3-field room.</summary>
    public static ChatMessage CreateChat()
    {
        var random = new Random(Seed);
        var senderId = new byte[32];
        random.NextBytes(senderId);
        return new ChatMessage
        {
            SenderId = senderId,
            Timestamp = 1_763_740_800_123,
            // Exactly 100 ASCII characters, as chat text mostly is (and so STJ need not escape anything).
            Text = "Anyone up for a match tonight? I'm hosting at 9 pm, so bring snacks and a charged controller. Cheers",
            // A spread of magnitudes so every MessagePack integer width appears.
            Tags = [0, 7, -3, 200, 40_000, -70_000, 1_000_000_000, int.MinValue],
            Room = new RoomInfo { Name = "general", MemberCount = 42, IsPrivate = false },
        };
    }

    /// <summary>A 64 KiB blob chunk with incompressible (random) data.</summary>
    public static BlobMessage CreateBlob()
    {
        var random = new Random(Seed);
        var data = new byte[BlobSize];
        random.NextBytes(data);
        return new BlobMessage { Sequence = 1234, FileName = "holiday-photos.zip", Data = data };
    }

    /// <summary>Whether two chat messages hold the same values.</summary>
    public static bool ContentEquals(ChatMessage a, ChatMessage b)
        => a.SenderId.AsSpan().SequenceEqual(b.SenderId)
            && a.Timestamp == b.Timestamp
            && a.Text == b.Text
            && a.Tags.AsSpan().SequenceEqual(b.Tags)
            && a.Room.Name == b.Room.Name
            && a.Room.MemberCount == b.Room.MemberCount
            && a.Room.IsPrivate == b.Room.IsPrivate;

    /// <summary>Whether two blob messages hold the same values.</summary>
    public static bool ContentEquals(BlobMessage a, BlobMessage b)
        => a.Sequence == b.Sequence && a.FileName == b.FileName && a.Data.AsSpan().SequenceEqual(b.Data);
}
