using System.Security.Cryptography;
using System.Text;

namespace MeshHost.Transport.Tests.Security;

public sealed class NodeIdentityTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("meshhost-identity-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Signature_verifies_with_the_public_key_only()
    {
        using NodeIdentity identity = NodeIdentity.Generate();
        byte[] data = Encoding.UTF8.GetBytes("hello mesh");
        byte[] signature = new byte[NodeIdentity.SignatureSize];
        identity.Sign(data, signature);

        Assert.Equal(64, identity.PublicKey.Length);
        Assert.Equal(NodeId.FromPublicKey(identity.PublicKey.Span), identity.Id);
        Assert.True(NodeIdentity.Verify(identity.PublicKey.Span, data, signature));
    }

    [Fact]
    public void Tampered_data_or_signature_or_another_key_fails()
    {
        using NodeIdentity identity = NodeIdentity.Generate();
        using NodeIdentity other = NodeIdentity.Generate();
        byte[] data = [1, 2, 3, 4];
        byte[] signature = new byte[NodeIdentity.SignatureSize];
        identity.Sign(data, signature);

        byte[] tamperedData = [1, 2, 3, 5];
        Assert.False(NodeIdentity.Verify(identity.PublicKey.Span, tamperedData, signature));
        Assert.False(NodeIdentity.Verify(other.PublicKey.Span, data, signature));
        for (int i = 0; i < signature.Length; i++)
        {
            byte[] tampered = (byte[])signature.Clone();
            tampered[i] ^= 0x01;
            Assert.False(NodeIdentity.Verify(identity.PublicKey.Span, data, tampered));
        }
    }

    [Fact]
    public void Malformed_keys_and_signatures_return_false()
    {
        using NodeIdentity identity = NodeIdentity.Generate();
        byte[] data = [9];
        byte[] signature = new byte[NodeIdentity.SignatureSize];
        identity.Sign(data, signature);
        byte[] notOnCurve = identity.PublicKey.ToArray();
        notOnCurve[63] ^= 1;

        Assert.False(NodeIdentity.Verify(identity.PublicKey.Span[..63], data, signature));
        Assert.False(NodeIdentity.Verify(identity.PublicKey.Span, data, signature.AsSpan(..63)));
        Assert.False(NodeIdentity.Verify([], data, []));
        Assert.False(NodeIdentity.Verify(notOnCurve, data, signature));
        Assert.False(NodeIdentity.Verify(new byte[64], data, signature));
        Assert.False(NodeIdentity.Verify(identity.PublicKey.Span, data, new byte[64]));
        Assert.False(NodeIdentity.Verify(identity.PublicKey.Span, data, Enumerable.Repeat((byte)0xff, 64).ToArray()));
    }

    [Fact]
    public void Sign_needs_room_for_64_bytes()
    {
        using NodeIdentity identity = NodeIdentity.Generate();
        Assert.Throws<ArgumentException>(() => identity.Sign([1], new byte[63]));
    }

    [Fact]
    public void Pkcs8_round_trip_keeps_the_id()
    {
        using NodeIdentity identity = NodeIdentity.Generate();
        using NodeIdentity copy = NodeIdentity.FromPkcs8(identity.ExportPkcs8());
        Assert.Equal(identity.Id, copy.Id);
    }

    [Fact]
    public void FromPkcs8_rejects_other_curves_and_garbage()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.ThrowsAny<CryptographicException>(() => NodeIdentity.FromPkcs8(p384.ExportPkcs8PrivateKey()));
        Assert.ThrowsAny<CryptographicException>(() => NodeIdentity.FromPkcs8([1, 2, 3]));
        using NodeIdentity identity = NodeIdentity.Generate();
        byte[] trailing = [.. identity.ExportPkcs8(), 0];
        Assert.ThrowsAny<CryptographicException>(() => NodeIdentity.FromPkcs8(trailing));
    }

    [Fact]
    public void LoadOrCreate_creates_an_owner_only_file_and_reloads_the_same_id()
    {
        string path = Path.Combine(_directory.FullName, "data", "identity.pem");
        NodeId id;
        using (NodeIdentity created = NodeIdentity.LoadOrCreate(path))
        {
            id = created.Id;
        }

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(["identity.pem"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        using NodeIdentity loaded = NodeIdentity.LoadOrCreate(path);
        Assert.Equal(id, loaded.Id);
    }

    [Fact]
    public void LoadOrCreate_refuses_a_file_other_users_can_read()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string path = Path.Combine(_directory.FullName, "identity.pem");
        NodeIdentity.LoadOrCreate(path).Dispose();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Assert.Throws<UnauthorizedAccessException>(() => NodeIdentity.LoadOrCreate(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("644", error.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a key at all")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    public void LoadOrCreate_reports_a_corrupt_file_and_leaves_it_alone(string content)
    {
        string path = Path.Combine(_directory.FullName, "identity.pem");
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var error = Assert.Throws<InvalidDataException>(() => NodeIdentity.LoadOrCreate(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllText(path));
    }

    [Fact]
    public void LoadOrCreate_reports_a_key_on_another_curve_as_corrupt()
    {
        string path = Path.Combine(_directory.FullName, "identity.pem");
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        File.WriteAllText(path, p384.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var error = Assert.Throws<InvalidDataException>(() => NodeIdentity.LoadOrCreate(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
