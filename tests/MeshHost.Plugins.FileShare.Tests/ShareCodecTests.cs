using MeshHost.MessagePack;
using MeshHost.Plugins.FileShare.Content;

namespace MeshHost.Plugins.FileShare.Tests;

public sealed class ShareCodecTests
{
    private const int PieceSize = 4 * MerkleHash.BlockSize;

    [Fact]
    public async Task Metadata_round_trips_through_its_root_and_yields_each_files_tree()
    {
        ShareMetadata metadata = await MakeAsync(("a.txt", 10), ("docs/big.bin", 9 * MerkleHash.BlockSize), ("empty", 0));

        byte[] encoded = ShareCodec.Encode(metadata);
        byte[] root = ShareCodec.ComputeRoot(encoded);
        (ShareMetadata decoded, MerkleTree[] trees) = ShareCodec.Decode(encoded, root);

        Assert.Equal(metadata.Name, decoded.Name);
        Assert.Equal(3, trees.Length);
        Assert.Equal(metadata.Files[1].Root, trees[1].Root.ToArray());
        Assert.Equal(3, trees[1].PieceCount);
        Assert.NotEqual(metadata.Files[0].Root, root);
    }

    [Fact]
    public async Task Metadata_under_another_root_or_altered_is_refused_before_it_is_decoded()
    {
        byte[] encoded = ShareCodec.Encode(await MakeAsync(("a.txt", 10)));
        byte[] root = ShareCodec.ComputeRoot(encoded);

        encoded[^1] ^= 1;
        Assert.Contains("does not hash", Assert.Throws<InvalidDataException>(() => ShareCodec.Decode(encoded, root)).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => ShareCodec.Decode([0xC1], ShareCodec.ComputeRoot([0xC1])));
    }

    [Theory]
    [InlineData("../escape", "may not leave")]
    [InlineData("a/../../b", "may not leave")]
    [InlineData("/etc/passwd", "absolute")]
    [InlineData("a//b", "empty")]
    [InlineData("a\\b", "U+005C")]
    [InlineData("C:x", "U+003A")]
    [InlineData("a/./b", "may not leave")]
    [InlineData("tab\tname", "U+0009")]
    [InlineData("trailing.", "ends in a dot")]
    [InlineData("", "empty")]
    public async Task A_hostile_path_is_refused_with_a_clear_error(string path, string expected)
    {
        ShareMetadata metadata = await MakeAsync(("x", 1));
        metadata = metadata with { Files = [metadata.Files[0] with { Path = path }] };

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => ShareCodec.Validate(metadata));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_case_colliding_unsorted_and_file_folder_clashing_paths_are_refused()
    {
        ShareMetadata one = await MakeAsync(("a", 1));
        ShareFile file = one.Files[0];

        Assert.Contains("repeated", Validate(one with { Files = [file, file] }), StringComparison.Ordinal);
        Assert.Contains("out of order", Validate(one with { Files = [file with { Path = "b" }, file] }), StringComparison.Ordinal);
        Assert.Contains("only in case", Validate(one with { Files = [file with { Path = "A" }, file] }), StringComparison.Ordinal);
        Assert.Contains("both a file and the folder", Validate(one with { Files = [file, file with { Path = "a/b" }] }), StringComparison.Ordinal);
        Assert.Contains("1 to 10000 files", Validate(one with { Files = [] }), StringComparison.Ordinal);
        Assert.Contains("1 to 10000 files", Validate(one with { Files = new ShareFile[ShareCodec.MaxFiles + 1] }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_roots_sizes_piece_sizes_names_and_versions_are_refused()
    {
        ShareMetadata one = await MakeAsync(("a", 1));
        ShareFile file = one.Files[0];

        Assert.Contains("32 bytes", Validate(one with { Files = [file with { Root = new byte[31] }] }), StringComparison.Ordinal);
        Assert.Contains("size", Validate(one with { Files = [file with { Size = -1 }] }), StringComparison.Ordinal);
        Assert.Contains("no piece layer", Validate(one with { Files = [file with { PieceLayer = new byte[32] }] }), StringComparison.Ordinal);
        Assert.Contains("piece size", Validate(one with { PieceSize = 3 * MerkleHash.BlockSize }), StringComparison.Ordinal);
        Assert.Contains("piece size", Validate(one with { PieceSize = 2 * MerkleTree.MaxPieceSize }), StringComparison.Ordinal);
        Assert.Contains("'..'", Validate(one with { Name = ".." }), StringComparison.Ordinal);
        Assert.Contains("U+002F", Validate(one with { Name = "a/b" }), StringComparison.Ordinal);
        Assert.Contains("version 2", Validate(one with { Version = 2 }), StringComparison.Ordinal);
        Assert.Contains("longer than 255", Validate(one with { Name = new string('n', 256) }), StringComparison.Ordinal);
        Assert.Contains("deeper than 32", Validate(one with { Files = [file with { Path = string.Join('/', Enumerable.Repeat("d", 33)) }] }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metadata_that_decodes_but_is_not_canonical_is_refused()
    {
        ShareMetadata metadata = await MakeAsync(("a", 1));
        byte[] canonical = ShareCodec.Encode(metadata);

        // The same values with the version written as int32 instead of a fixint: another encoding.
        byte[] other = [canonical[0], 0xD2, 0, 0, 0, 1, .. canonical.AsSpan(2)];
        Assert.Equal(metadata.Name, MessagePackSerializer.Deserialize<ShareMetadata>(other)!.Name);
        Assert.Contains("canonical", Assert.Throws<InvalidDataException>(() => ShareCodec.Decode(other, ShareCodec.ComputeRoot(other))).Message, StringComparison.Ordinal);
    }

    private static string Validate(ShareMetadata metadata) =>
        Assert.Throws<InvalidDataException>(() => ShareCodec.Validate(metadata)).Message;

    private static async Task<ShareMetadata> MakeAsync(params (string Path, int Size)[] files)
    {
        var entries = new ShareFile[files.Length];
        for (int i = 0; i < files.Length; i++)
        {
            MerkleTree tree = await MerkleTreeTests.HashAsync(MerkleTreeTests.Generate(files[i].Size, i), PieceSize);
            entries[i] = new ShareFile { Path = files[i].Path, Size = files[i].Size, Root = tree.Root.ToArray(), PieceLayer = tree.PieceLayerForMetadata };
        }

        return new ShareMetadata { Version = ShareCodec.FormatVersion, Name = "share", PieceSize = PieceSize, Files = entries };
    }
}
