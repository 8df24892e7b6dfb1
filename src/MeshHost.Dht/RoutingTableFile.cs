using MeshHost.Dht.Protocol;
using MeshHost.MessagePack;

namespace MeshHost.Dht;

/// <summary>
/// The routing table on disk (<c>dht-routing.bin</c> in the data directory): a MessagePack list of
/// contacts, written to a temporary file, flushed and renamed over the old one so that a crash
/// leaves either the old table or the new one, never half of one. Restored contacts are only
/// bootstrap candidates: they enter the table again after answering a ping.
/// </summary>
internal static class RoutingTableFile
{
    public const string FileName = "dht-routing.bin";
    private const int MaxFileBytes = 1024 * 1024;

    public static void Save(string directory, IReadOnlyList<DhtContact> contacts)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        var wire = new WireContact[contacts.Count];
        for (int i = 0; i < wire.Length; i++)
        {
            wire[i] = DhtCodec.ToWire(contacts[i]);
        }

        byte[] bytes = MessagePackSerializer.Serialize(new SavedTable { Version = 1, Contacts = wire });
        string temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>The saved contacts; empty when there is no file.</summary>
    /// <exception cref="InvalidDataException">The file is not a routing table.</exception>
    public static List<DhtContact> Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        var contacts = new List<DhtContact>();
        if (!File.Exists(path))
        {
            return contacts;
        }

        byte[] bytes = File.ReadAllBytes(path);
        SavedTable? table;
        try
        {
            table = bytes.Length <= MaxFileBytes ? MessagePackSerializer.Deserialize<SavedTable>(bytes) : null;
        }
        catch (MessagePackSerializationException e)
        {
            throw new InvalidDataException($"'{path}' is not a routing table file.", e);
        }

        if (table is not { Version: 1 })
        {
            throw new InvalidDataException($"'{path}' is not a version 1 routing table file.");
        }

        foreach (WireContact wire in table.Contacts)
        {
            if (DhtCodec.TryFromWire(wire, out DhtContact contact))
            {
                contacts.Add(contact);
            }
        }

        return contacts;
    }
}

/// <summary>The file format of <see cref="RoutingTableFile"/>.</summary>
[MessagePackObject]
internal sealed partial record SavedTable
{
    [Key(0)] public int Version { get; init; }

    [Key(1)] public WireContact[] Contacts { get; init; } = [];
}
