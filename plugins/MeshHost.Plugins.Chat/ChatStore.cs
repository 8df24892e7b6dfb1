using MeshHost.MessagePack;
using MeshHost.Plugins.Shared;
using MeshHost.Sdk;
using Microsoft.Data.Sqlite;

namespace MeshHost.Plugins.Chat;

/// <summary>What happened to a message offered to the store.</summary>
internal enum StoreOutcome
{
    Added,
    Duplicate,
    Expired,
}

/// <summary>A stored message with its local arrival sequence (what live views page by).</summary>
internal sealed record StoredMessage(long Sequence, string Conversation, ChatMessage Message);

/// <summary>
/// The plugin's SQLite database (<c>chat.db</c> in its data directory): messages by conversation (a
/// room, or <c>dm:</c> + the peer's id), the DM outbox, joined rooms and blocked peers. Every table is
/// bounded: messages per conversation by count and age, the outbox by count.
/// </summary>
/// <remarks>Thread-safe: one connection, used under a lock (the plugin's traffic is small).</remarks>
internal sealed class ChatStore : IDisposable
{
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS messages (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id BLOB NOT NULL UNIQUE,
            conversation TEXT NOT NULL,
            hlc INTEGER NOT NULL,
            author BLOB NOT NULL,
            payload BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS messages_order ON messages (conversation, hlc, author, id);
        CREATE TABLE IF NOT EXISTS outbox (id BLOB PRIMARY KEY, recipient BLOB NOT NULL, payload BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS rooms (name TEXT PRIMARY KEY);
        CREATE TABLE IF NOT EXISTS blocked (peer BLOB PRIMARY KEY);
        """;

    private readonly Lock _sync = new();
    private readonly SqliteConnection _connection;
    private readonly int _maxPerConversation;
    private readonly int _maxOutbox;

    public ChatStore(string path, int maxPerConversation, int maxOutbox)
    {
        _maxPerConversation = maxPerConversation;
        _maxOutbox = maxOutbox;

        // No pooling: the file is closed when the plugin stops, so it can be unloaded and its folder removed.
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute(Schema);
    }

    public static string DirectConversation(PeerId peer) => "dm:" + peer;

    /// <summary>
    /// Stores <paramref name="message"/> unless it is already held, or it is older than
    /// <paramref name="minHlc"/>, or the conversation is full and it would be the oldest kept.
    /// </summary>
    /// <param name="sequence">The stored message's arrival sequence, when added.</param>
    public StoreOutcome TryAdd(string conversation, ChatMessage message, PeerId author, ulong minHlc, out long sequence)
    {
        sequence = 0;
        byte[] authorId = author.ToArray();
        lock (_sync)
        {
            if (Contains(message.Id))
            {
                return StoreOutcome.Duplicate;
            }

            if (message.Hlc < minHlc || (Count(conversation) >= _maxPerConversation && IsBeforeOldest(conversation, message, authorId)))
            {
                return StoreOutcome.Expired;
            }

            using SqliteCommand insert = Command(
                "INSERT INTO messages (id, conversation, hlc, author, payload) VALUES ($id, $c, $hlc, $author, $payload)",
                ("$id", message.Id), ("$c", conversation), ("$hlc", (long)message.Hlc), ("$author", authorId), ("$payload", MessagePackSerializer.Serialize(message)));
            insert.ExecuteNonQuery();
            using (SqliteCommand inserted = Command("SELECT last_insert_rowid()"))
            {
                sequence = (long)inserted.ExecuteScalar()!;
            }

            // Keep the newest by the shared order, so every member keeps the same window.
            using SqliteCommand prune = Command(
                """
                DELETE FROM messages WHERE conversation = $c AND seq NOT IN (
                    SELECT seq FROM messages WHERE conversation = $c ORDER BY hlc DESC, author DESC, id DESC LIMIT $max)
                """,
                ("$c", conversation), ("$max", _maxPerConversation));
            prune.ExecuteNonQuery();
            return StoreOutcome.Added;
        }
    }

    public bool Contains(byte[] id)
    {
        lock (_sync)
        {
            using SqliteCommand command = Command("SELECT 1 FROM messages WHERE id = $id", ("$id", id));
            return command.ExecuteScalar() is not null;
        }
    }

    public int Count(string conversation)
    {
        lock (_sync)
        {
            using SqliteCommand command = Command("SELECT COUNT(*) FROM messages WHERE conversation = $c", ("$c", conversation));
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Ids held for the conversation, newest first.</summary>
    public List<byte[]> Ids(string conversation, int limit)
    {
        var ids = new List<byte[]>();
        lock (_sync)
        {
            using SqliteCommand command = Command("SELECT id FROM messages WHERE conversation = $c ORDER BY hlc DESC, author DESC, id DESC LIMIT $n", ("$c", conversation), ("$n", limit));
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                ids.Add((byte[])reader[0]);
            }
        }

        return ids;
    }

    /// <summary>The held messages of the conversation among <paramref name="ids"/>.</summary>
    public List<ChatMessage> Get(string conversation, IReadOnlyList<byte[]> ids)
    {
        var messages = new List<ChatMessage>(ids.Count);
        lock (_sync)
        {
            foreach (byte[] id in ids)
            {
                using SqliteCommand command = Command("SELECT payload FROM messages WHERE id = $id AND conversation = $c", ("$id", id), ("$c", conversation));
                if (command.ExecuteScalar() is byte[] payload && Decode(payload) is { } message)
                {
                    messages.Add(message);
                }
            }
        }

        return messages;
    }

    /// <summary>The newest messages of the conversation whose ids are not in <paramref name="except"/>.</summary>
    public List<ChatMessage> NewestExcept(string conversation, HashSet<string> except, int limit)
    {
        var messages = new List<ChatMessage>();
        lock (_sync)
        {
            using SqliteCommand command = Command("SELECT id, payload FROM messages WHERE conversation = $c ORDER BY hlc DESC, author DESC, id DESC", ("$c", conversation));
            using SqliteDataReader reader = command.ExecuteReader();
            while (messages.Count < limit && reader.Read())
            {
                if (!except.Contains(Convert.ToHexString((byte[])reader[0])) && Decode((byte[])reader[1]) is { } message)
                {
                    messages.Add(message);
                }
            }
        }

        return messages;
    }

    /// <summary>The last <paramref name="limit"/> messages in the order every member agrees on: (HLC, author id, message id).</summary>
    public List<StoredMessage> History(string conversation, int limit)
    {
        List<StoredMessage> messages = Query(
            "SELECT seq, conversation, payload FROM messages WHERE conversation = $c ORDER BY hlc DESC, author DESC, id DESC LIMIT $n",
            ("$c", conversation), ("$n", limit));
        messages.Reverse();
        return messages;
    }

    /// <summary>Messages stored after <paramref name="sequence"/>, in arrival order (for live views).</summary>
    public List<StoredMessage> Since(string conversation, long sequence, int limit) => Query(
        "SELECT seq, conversation, payload FROM messages WHERE conversation = $c AND seq > $s ORDER BY seq LIMIT $n",
        ("$c", conversation), ("$s", sequence), ("$n", limit));

    /// <summary>The highest arrival sequence so far (0 when empty).</summary>
    public long LastSequence()
    {
        lock (_sync)
        {
            using SqliteCommand command = Command("SELECT COALESCE(MAX(seq), 0) FROM messages");
            return (long)command.ExecuteScalar()!;
        }
    }

    /// <summary>Deletes every message older than <paramref name="minHlc"/>; returns how many.</summary>
    public int PruneOlderThan(ulong minHlc)
    {
        lock (_sync)
        {
            using SqliteCommand command = Command("DELETE FROM messages WHERE hlc < $h", ("$h", (long)minHlc));
            return command.ExecuteNonQuery();
        }
    }

    /// <summary>Queues a DM for delivery; false when the outbox is full.</summary>
    public bool Enqueue(PeerId recipient, ChatMessage message)
    {
        lock (_sync)
        {
            using SqliteCommand count = Command("SELECT COUNT(*) FROM outbox");
            if ((long)count.ExecuteScalar()! >= _maxOutbox)
            {
                return false;
            }

            using SqliteCommand insert = Command(
                "INSERT OR IGNORE INTO outbox (id, recipient, payload) VALUES ($id, $r, $p)",
                ("$id", message.Id), ("$r", recipient.ToArray()), ("$p", MessagePackSerializer.Serialize(message)));
            insert.ExecuteNonQuery();
            return true;
        }
    }

    /// <summary>Removes a queued DM.</summary>
    /// <returns>False when it was not queued (any more).</returns>
    public bool Dequeue(byte[] id)
    {
        lock (_sync)
        {
            using SqliteCommand delete = Command("DELETE FROM outbox WHERE id = $id", ("$id", id));
            return delete.ExecuteNonQuery() > 0;
        }
    }

    /// <summary>The queued DMs, oldest first.</summary>
    public List<(PeerId Recipient, ChatMessage Message)> Outbox()
    {
        var queued = new List<(PeerId, ChatMessage)>();
        lock (_sync)
        {
            using SqliteCommand command = Command("SELECT recipient, payload FROM outbox ORDER BY rowid");
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (Decode((byte[])reader[1]) is { } message)
                {
                    queued.Add((new PeerId((byte[])reader[0]), message));
                }
            }
        }

        return queued;
    }

    public List<string> Rooms() => Strings("SELECT name FROM rooms ORDER BY name");

    public void AddRoom(string room) => Execute("INSERT OR IGNORE INTO rooms (name) VALUES ($n)", ("$n", room));

    public void RemoveRoom(string room) => Execute("DELETE FROM rooms WHERE name = $n", ("$n", room));

    public List<PeerId> Blocked()
    {
        var blocked = new List<PeerId>();
        lock (_sync)
        {
            using SqliteCommand command = Command("SELECT peer FROM blocked");
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                blocked.Add(new PeerId((byte[])reader[0]));
            }
        }

        return blocked;
    }

    public void Block(PeerId peer) => Execute("INSERT OR IGNORE INTO blocked (peer) VALUES ($p)", ("$p", peer.ToArray()));

    public void Unblock(PeerId peer) => Execute("DELETE FROM blocked WHERE peer = $p", ("$p", peer.ToArray()));

    /// <summary>Closes the database; false when what the library roots could not be released (the plugin then cannot be unloaded).</summary>
    public bool Dispose()
    {
        lock (_sync)
        {
            _connection.Dispose();
        }

        return SqliteUnloading.Release();
    }

    void IDisposable.Dispose() => Dispose();

    private static ChatMessage? Decode(byte[] payload)
    {
        try
        {
            return MessagePackSerializer.Deserialize<ChatMessage>(payload);
        }
        catch (MessagePackSerializationException)
        {
            // A damaged row is skipped, not fatal.
            return null;
        }
    }

    private bool IsBeforeOldest(string conversation, ChatMessage message, byte[] author)
    {
        using SqliteCommand command = Command(
            """
            SELECT 1 FROM messages WHERE conversation = $c AND (hlc > $h OR (hlc = $h AND (author > $a OR (author = $a AND id > $id))))
            ORDER BY hlc, author, id LIMIT 1 OFFSET $skip
            """,
            ("$c", conversation), ("$h", (long)message.Hlc), ("$a", author), ("$id", message.Id), ("$skip", _maxPerConversation - 1));
        return command.ExecuteScalar() is not null;
    }

    private List<StoredMessage> Query(string sql, params (string Name, object Value)[] parameters)
    {
        var messages = new List<StoredMessage>();
        lock (_sync)
        {
            using SqliteCommand command = Command(sql, parameters);
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (Decode((byte[])reader[2]) is { } message)
                {
                    messages.Add(new StoredMessage(reader.GetInt64(0), reader.GetString(1), message));
                }
            }
        }

        return messages;
    }

    private List<string> Strings(string sql)
    {
        var values = new List<string>();
        lock (_sync)
        {
            using SqliteCommand command = Command(sql);
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                values.Add(reader.GetString(0));
            }
        }

        return values;
    }

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        lock (_sync)
        {
            using SqliteCommand command = Command(sql, parameters);
            command.ExecuteNonQuery();
        }
    }

    private SqliteCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach ((string name, object value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}
