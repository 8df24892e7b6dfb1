using System.Security.Cryptography;
using System.Text;

namespace MeshHost.Transport;

/// <summary>
/// A node's long-term identity: an ECDSA P-256 key pair. Its <see cref="Id"/> is SHA-256 of the
/// public key, and it signs the handshake transcript so that peers know whom they talk to.
/// </summary>
/// <remarks>Thread-safe: <see cref="Sign"/> may be called from several handshakes at once.</remarks>
public sealed class NodeIdentity : IDisposable
{
    /// <summary>The size of a signature in bytes (IEEE P1363 <c>r || s</c>).</summary>
    public const int SignatureSize = 64;

    /// <summary>The size of a public key in bytes (<c>X || Y</c>, no 0x04 prefix).</summary>
    public const int PublicKeySize = 64;

    private const string PemLabel = "PRIVATE KEY";
    private const string P256Oid = "1.2.840.10045.3.1.7";
    private const int MaxKeyFileBytes = 16 * 1024;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode SharedBits =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    private readonly ECDsa _key;
    private readonly byte[] _publicKey;
    private readonly Lock _signLock = new();

    private NodeIdentity(ECDsa key)
    {
        _key = key;
        ECParameters parameters = key.ExportParameters(includePrivateParameters: false);
        if (parameters.Curve.Oid?.Value != P256Oid || parameters.Q.X is not { Length: 32 } || parameters.Q.Y is not { Length: 32 })
        {
            throw new CryptographicException("An identity key must be an ECDSA P-256 key.");
        }

        _publicKey = new byte[PublicKeySize];
        parameters.Q.X.CopyTo(_publicKey, 0);
        parameters.Q.Y.CopyTo(_publicKey, 32);
        Id = NodeId.FromPublicKey(_publicKey);
    }

    /// <summary>SHA-256 of <see cref="PublicKey"/>.</summary>
    public NodeId Id { get; }

    /// <summary>The 64-byte public key <c>X || Y</c>.</summary>
    public ReadOnlyMemory<byte> PublicKey => _publicKey;

    /// <summary>A fresh random identity (not saved anywhere).</summary>
    public static NodeIdentity Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Imports a PKCS#8 (DER) P-256 private key.</summary>
    /// <exception cref="CryptographicException">The bytes are not exactly one PKCS#8 P-256 key.</exception>
    public static NodeIdentity FromPkcs8(ReadOnlySpan<byte> pkcs8)
    {
        ECDsa key = ECDsa.Create();
        try
        {
            key.ImportPkcs8PrivateKey(pkcs8, out int read);
            if (read != pkcs8.Length)
            {
                throw new CryptographicException($"{pkcs8.Length - read} bytes follow the PKCS#8 key.");
            }

            return new NodeIdentity(key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The private key as PKCS#8 (DER). The caller should clear the array when done.</summary>
    public byte[] ExportPkcs8() => _key.ExportPkcs8PrivateKey();

    /// <summary>
    /// Loads the identity kept in <paramref name="path"/> (a PKCS#8 PEM file), or creates one there
    /// if the file does not exist.
    /// </summary>
    /// <remarks>
    /// A new file is written to a temporary file created with mode 0600, flushed to disk and renamed
    /// into place, so a crash never leaves a half-written key; if another process creates the file
    /// first, its identity is loaded. An existing file is never replaced.
    /// </remarks>
    /// <exception cref="UnauthorizedAccessException">On Unix, the file can be read or written by group or others.</exception>
    /// <exception cref="InvalidDataException">The file exists but does not hold a PKCS#8 PEM P-256 private key.</exception>
    /// <exception cref="IOException">The file or its directory cannot be read or written.</exception>
    public static NodeIdentity LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        path = Path.GetFullPath(path);
        if (File.Exists(path))
        {
            return Load(path);
        }

        NodeIdentity identity = Generate();
        bool created;
        try
        {
            created = TryCreateFile(path, identity);
        }
        catch
        {
            identity.Dispose();
            throw;
        }

        if (created)
        {
            return identity;
        }

        // Another process created the file between our check and our rename: its key wins.
        identity.Dispose();
        return Load(path);
    }

    /// <summary>Signs <paramref name="data"/>: ECDSA P-256 with SHA-256, IEEE P1363 form.</summary>
    /// <exception cref="ArgumentException"><paramref name="signature"/> is shorter than 64 bytes.</exception>
    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
    {
        if (signature.Length < SignatureSize)
        {
            throw new ArgumentException($"A signature needs {SignatureSize} bytes.", nameof(signature));
        }

        // Concurrent use of one native key handle is not documented as safe.
        lock (_signLock)
        {
            _key.SignData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
    }

    /// <summary>
    /// Whether <paramref name="signature"/> is a valid signature of <paramref name="data"/> by
    /// <paramref name="publicKey"/>. False, never an exception, for a key that is not a P-256 point
    /// or a signature of the wrong size.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeySize || signature.Length != SignatureSize)
        {
            return false;
        }

        ECDsa key;
        try
        {
            key = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = publicKey[..32].ToArray(), Y = publicKey[32..].ToArray() },
            });
        }
        catch (CryptographicException)
        {
            return false;
        }

        using (key)
        {
            try
            {
                return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
            catch (CryptographicException)
            {
                return false;
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();

    private static NodeIdentity Load(string path)
    {
        string pem;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            // Checked on the open handle, so that the file we judge is the file we read.
            if (!OperatingSystem.IsWindows())
            {
                UnixFileMode mode = File.GetUnixFileMode(stream.SafeFileHandle);
                if ((mode & SharedBits) != 0)
                {
                    throw new UnauthorizedAccessException(
                        $"The identity key file '{path}' is accessible by other users (mode {Convert.ToString((int)mode, 8)}). " +
                        $"Restrict it to its owner (chmod 600 '{path}') and start again.");
                }
            }

            if (stream.Length > MaxKeyFileBytes)
            {
                throw Corrupt(path, $"it is {stream.Length} bytes long", null);
            }

            using var reader = new StreamReader(stream, Encoding.UTF8);
            pem = reader.ReadToEnd();
        }

        byte[]? der = null;
        try
        {
            if (!PemEncoding.TryFind(pem, out PemFields fields) || pem.AsSpan()[fields.Label].ToString() != PemLabel)
            {
                throw Corrupt(path, $"no '-----BEGIN {PemLabel}-----' block was found", null);
            }

            der = Convert.FromBase64String(pem[fields.Base64Data]);
            return FromPkcs8(der);
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            throw Corrupt(path, e.Message, e);
        }
        finally
        {
            if (der is not null)
            {
                CryptographicOperations.ZeroMemory(der);
            }
        }
    }

    private static InvalidDataException Corrupt(string path, string reason, Exception? inner) =>
        new($"The identity key file '{path}' is not a PKCS#8 PEM P-256 private key ({reason}). " +
            "It was left untouched: restore it from a backup, or move it aside to create a new identity (the node id will change).",
            inner);

    private static bool TryCreateFile(string path, NodeIdentity identity)
    {
        string directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, OwnerOnly | UnixFileMode.UserExecute);
            }
        }

        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        byte[] der = identity.ExportPkcs8();
        char[] pem = PemEncoding.Write(PemLabel, der);
        byte[] bytes = Encoding.ASCII.GetBytes(pem);
        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(bytes);
                stream.WriteByte((byte)'\n');
                stream.Flush(flushToDisk: true);
            }

            try
            {
                // Without overwrite the move fails if the target exists, so a concurrent creator's key is never replaced.
                File.Move(temp, path, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
            CryptographicOperations.ZeroMemory(bytes);
            Array.Clear(pem);
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
