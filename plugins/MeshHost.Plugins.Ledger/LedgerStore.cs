using MeshHost.MessagePack;
using MeshHost.Sdk;
using MeshHost.Plugins.Shared;
using Microsoft.Data.Sqlite;

namespace MeshHost.Plugins.Ledger;

/// <summary>
/// The ledger's SQLite database (<c>ledger.db</c> in the plugin's data directory): every block known
/// (header, and body once held), the main chain by height, the accounts at the tip, and each main
/// block's undo data. A change of tip (one block or a whole reorganisation) is one SQLite
/// transaction, so a node killed at any point restarts at the old tip or the new one, never between.
/// </summary>
/// <remarks>Not thread-safe: <see cref="ChainState"/> calls it under its lock.</remarks>
internal sealed class LedgerStore : IDisposable
{
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = FULL;
        CREATE TABLE IF NOT EXISTS blocks (hash BLOB PRIMARY KEY, height INTEGER NOT NULL, header BLOB NOT NULL, body BLOB);
        CREATE INDEX IF NOT EXISTS blocks_height ON blocks (height);
        CREATE TABLE IF NOT EXISTS main (height INTEGER PRIMARY KEY, hash BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS accounts (id BLOB PRIMARY KEY, balance INTEGER NOT NULL, nonce INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS undo (hash BLOB PRIMARY KEY, data BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
        """;

    private readonly SqliteConnection _connection;
    private SqliteTransaction? _transaction;

    public LedgerStore(string path)
    {
        // No pooling: the file is closed when the plugin stops, so it can be unloaded.
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute(Schema);
    }

    /// <summary>Called between the statements of a commit with the step's name: tests throw from it to simulate a crash.</summary>
    internal Action<string>? CommitHook { get; set; }

    public byte[]? Meta(string key)
    {
        using SqliteCommand command = Command("SELECT value FROM meta WHERE key = $k", ("$k", key));
        return command.ExecuteScalar() as byte[];
    }

    public void SetMeta(string key, byte[] value) =>
        Run("INSERT INTO meta (key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = $v", ("$k", key), ("$v", value));

    /// <summary>Every stored header with whether its body is held, in height order (parents first).</summary>
    public List<(byte[] Hash, BlockHeader Header, bool HasBody)> Headers()
    {
        var headers = new List<(byte[], BlockHeader, bool)>();
        using SqliteCommand command = Command("SELECT hash, header, body IS NOT NULL FROM blocks ORDER BY height");
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (MessagePackSerializer.Deserialize<BlockHeader>((byte[])reader[1]) is { } header)
            {
                headers.Add(((byte[])reader[0], header, reader.GetInt64(2) != 0));
            }
        }

        return headers;
    }

    /// <summary>The main chain's hashes by height.</summary>
    public List<byte[]> MainChain()
    {
        var hashes = new List<byte[]>();
        using SqliteCommand command = Command("SELECT hash FROM main ORDER BY height");
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            hashes.Add((byte[])reader[0]);
        }

        return hashes;
    }

    public void AddHeader(byte[] hash, BlockHeader header) =>
        Run("INSERT OR IGNORE INTO blocks (hash, height, header) VALUES ($h, $n, $header)", ("$h", hash), ("$n", header.Height), ("$header", MessagePackSerializer.Serialize(header)));

    public void AddBody(byte[] hash, Block block) =>
        Run("UPDATE blocks SET body = $b WHERE hash = $h", ("$h", hash), ("$b", MessagePackSerializer.Serialize(block)));

    public Block? GetBlock(byte[] hash)
    {
        using SqliteCommand command = Command("SELECT body FROM blocks WHERE hash = $h", ("$h", hash));
        return command.ExecuteScalar() is byte[] body ? MessagePackSerializer.Deserialize<Block>(body) : null;
    }

    /// <summary>Drops blocks (side branches that fell too far behind): their rows and nothing else.</summary>
    public void RemoveBlocks(IEnumerable<byte[]> hashes)
    {
        foreach (byte[] hash in hashes)
        {
            Run("DELETE FROM blocks WHERE hash = $h", ("$h", hash));
        }
    }

    public Account? GetAccount(PeerId id)
    {
        using SqliteCommand command = Command("SELECT balance, nonce FROM accounts WHERE id = $id", ("$id", id.ToArray()));
        using SqliteDataReader reader = command.ExecuteReader();
        return reader.Read() ? new Account(reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    public int AccountCount()
    {
        using SqliteCommand command = Command("SELECT COUNT(*) FROM accounts");
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every account, sorted by id: what tests compare across nodes.</summary>
    public SortedDictionary<string, Account> Accounts()
    {
        var accounts = new SortedDictionary<string, Account>(StringComparer.Ordinal);
        using SqliteCommand command = Command("SELECT id, balance, nonce FROM accounts");
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            accounts[LedgerCodec.Hex((byte[])reader[0])] = new Account(reader.GetInt64(1), reader.GetInt64(2));
        }

        return accounts;
    }

    public BlockUndo? GetUndo(byte[] hash)
    {
        using SqliteCommand command = Command("SELECT data FROM undo WHERE hash = $h", ("$h", hash));
        return command.ExecuteScalar() is byte[] data ? MessagePackSerializer.Deserialize<BlockUndo>(data) : null;
    }

    /// <summary>Whether a transaction is open.</summary>
    public bool InTransaction => _transaction is not null;

    /// <summary>Starts the transaction a block (its body and the tip change it causes) is written in.</summary>
    public void Begin() => _transaction = _connection.BeginTransaction();

    /// <summary>Marks a point the open transaction can roll back to (a reorganisation that may fail).</summary>
    public void Save(string name) => _transaction!.Save(name);

    /// <summary>Undoes what was written since <see cref="Save"/>, keeping what came before (the block's body).</summary>
    public void RollbackTo(string name) => _transaction!.Rollback(name);

    public void Release(string name) => _transaction!.Release(name);

    public void CommitTransaction()
    {
        Hook("before-commit");
        _transaction!.Commit();
        _transaction.Dispose();
        _transaction = null;
    }

    public void Rollback()
    {
        if (_transaction is { } transaction)
        {
            _transaction = null;
            try
            {
                transaction.Rollback();
            }
            catch (Exception ex) when (ex is InvalidOperationException or SqliteException)
            {
                // Already finished, or the connection is gone: SQLite discards an uncommitted transaction itself.
            }

            transaction.Dispose();
        }
    }

    /// <summary>Writes the accounts changed, the undo data and the main-chain row of a connected block.</summary>
    public void Connect(long height, byte[] hash, IReadOnlyDictionary<PeerId, Account> changed, BlockUndo undo)
    {
        Hook("connect-start");
        foreach ((PeerId id, Account account) in changed)
        {
            PutAccount(id, account);
            Hook("account");
        }

        Run("INSERT OR REPLACE INTO undo (hash, data) VALUES ($h, $d)", ("$h", hash), ("$d", MessagePackSerializer.Serialize(undo)));
        Hook("undo");
        Run("INSERT OR REPLACE INTO main (height, hash) VALUES ($n, $h)", ("$n", height), ("$h", hash));
        Hook("main");
    }

    /// <summary>Restores the accounts a block changed and removes it from the main chain.</summary>
    public void Disconnect(long height, byte[] hash, BlockUndo undo)
    {
        foreach (AccountUndo account in undo.Accounts)
        {
            if (account.Existed)
            {
                PutAccount(new PeerId(account.Id), new Account(account.Balance, account.Nonce));
            }
            else
            {
                Run("DELETE FROM accounts WHERE id = $id", ("$id", account.Id));
            }

            Hook("restore");
        }

        Run("DELETE FROM undo WHERE hash = $h", ("$h", hash));
        Run("DELETE FROM main WHERE height = $n", ("$n", height));
        Hook("disconnected");
    }

    public void PutAccount(PeerId id, Account account) =>
        Run(
            "INSERT INTO accounts (id, balance, nonce) VALUES ($id, $b, $n) ON CONFLICT(id) DO UPDATE SET balance = $b, nonce = $n",
            ("$id", id.ToArray()), ("$b", account.Balance), ("$n", account.Nonce));

    /// <summary>Closes the file; false when SQLite's process-wide roots could not be released (the plugin then stays loaded).</summary>
    public bool Dispose()
    {
        Rollback();
        _connection.Dispose();
        return SqliteUnloading.Release();
    }

    void IDisposable.Dispose() => Dispose();

    private void Hook(string step) => CommitHook?.Invoke(step);

    private void Execute(string sql)
    {
        using SqliteCommand command = Command(sql);
        command.ExecuteNonQuery();
    }

    private void Run(string sql, params (string Name, object Value)[] parameters)
    {
        using SqliteCommand command = Command(sql, parameters);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = _transaction;
        foreach ((string name, object value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}
