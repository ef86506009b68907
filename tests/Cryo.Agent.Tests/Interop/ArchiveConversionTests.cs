using System.Formats.Tar;
using Cryo.Agent.Interop;
using Cryo.Agent.Store.Compression;
using Cryo.Agent.Tests.Store;

namespace Cryo.Agent.Tests.Interop;

/// <summary>The writable layer's whiteouts against deleted.files, both ways, and what export refuses.</summary>
public sealed class ArchiveConversionTests : IDisposable
{
    private readonly TempDirectory scratch = new("cryo-conversion-");

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task ToKubelet_Should_TurnWhiteoutsIntoDeletedFiles_And_KeepOnlyFiles_And_ReportOpaqueDirectories()
    {
        var layer = await WriteTarAsync("layer.tar", ("etc/app.conf", "x"), ("bin/.wh.vi", ""), (".wh.root-file", ""), ("var/cache/.wh..wh..opq", ""), ("var/cache/new", "y"));

        var export = await LayerConversion.ToKubeletAsync(layer, scratch.Combine("diff.tar"), CancellationToken.None);

        Assert.Equal(["/bin/vi", "/root-file"], export.DeletedFiles);
        Assert.Equal(["/var/cache"], export.OpaqueDirectories);
        Assert.Equal(["etc/app.conf", "var/cache/new"], Names(scratch.Combine("diff.tar")));
    }

    [Fact]
    public async Task FromKubelet_Should_WriteTheFilesThenOneWhiteoutPerDeletedPath_WithRelativeNames()
    {
        var diff = await WriteTarAsync("diff.tar", ("./etc/app.conf", "x"), ("/tmp/www/index.html", "y"));

        var entries = await LayerConversion.FromKubeletAsync(diff, ["/bin/vi", "/usr/share/doc"], scratch.Combine("layer.tar"), CancellationToken.None);

        Assert.Equal(4, entries);
        Assert.Equal(["etc/app.conf", "tmp/www/index.html", "bin/.wh.vi", "usr/share/.wh.doc"], Names(scratch.Combine("layer.tar")));
    }

    [Fact]
    public async Task FromKubelet_Should_Refuse_When_ADeletedPathClimbsOutOfTheRoot()
    {
        var error = await Assert.ThrowsAsync<ArchiveInvalidException>(() =>
            LayerConversion.FromKubeletAsync(null, ["/../etc/shadow"], scratch.Combine("layer.tar"), CancellationToken.None));

        Assert.Equal("deleted.files", error.Entry);
        Assert.Contains("climbs out of the container's root", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Should_FailNamingTheParent_And_WriteNothing_When_AnIncrementsParentIsNotInTheStore()
    {
        var store = new ImageStore(new ImageStoreOptions { RootDirectory = scratch.Combine("store") });
        var key = StoreTestData.Key("child");
        using var pending = store.Begin(key);
        StoreTestData.WriteFakeDump(pending);
        var parent = StoreTestData.Key("parent", "0a0b0c0d-0000-4000-8000-000000000001");
        Directory.CreateSymbolicLink(Path.Combine(pending.ImagesDirectory, "parent"), ManifestIncrement.ParentLinkTarget(parent));
        var manifest = StoreTestData.Manifest(key);
        manifest.SchemaVersion = CheckpointManifest.CurrentSchemaVersion;
        manifest.Increment = new ManifestIncrement { Method = ManifestIncrement.ContentBased, Parent = parent, ChainLength = 2 };
        var child = await store.CommitAsync(pending, manifest, CancellationToken.None);
        using var output = new MemoryStream();

        var error = await Assert.ThrowsAsync<CheckpointCorruptedException>(() => new CheckpointExporter(store).ExportAsync(child, output, CancellationToken.None));

        Assert.Contains("its parent checkpoint default/parent", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public async Task Export_Should_WriteThePagesDecompressed_And_DescribeAnUncompressedCheckpoint_When_TheyAreCompressedAtRest()
    {
        var store = new ImageStore(new ImageStoreOptions { RootDirectory = scratch.Combine("store") });
        var key = StoreTestData.Key("zipped");
        using var pending = store.Begin(key);
        StoreTestData.WriteFakeDump(pending);
        var plain = new[] { "pages-1.img", "pages-2.img" }.ToDictionary(n => n, n => File.ReadAllBytes(Path.Combine(pending.ImagesDirectory, n)));
        var (compressed, _) = PagesCompressor.Compress(pending, 1, CancellationToken.None);
        var manifest = StoreTestData.Manifest(key);
        manifest.SchemaVersion = CheckpointManifest.CurrentSchemaVersion;
        manifest.Options.Compression = ImageCompression.Zstd;
        manifest.Files = [.. compressed];
        var zipped = await store.CommitAsync(pending, manifest, CancellationToken.None);
        using var output = new MemoryStream();

        await new CheckpointExporter(store).ExportAsync(zipped, output, CancellationToken.None);

        var entries = TarEntries.Read(output.ToArray());
        Assert.Equal(["checkpoint/descriptors.json", "checkpoint/inventory.img", "checkpoint/pages-1.img", "checkpoint/pages-2.img"],
            entries.Keys.Where(e => e.StartsWith("checkpoint/", StringComparison.Ordinal) && e.Length > "checkpoint/".Length).Order(StringComparer.Ordinal));
        Assert.Equal(plain["pages-1.img"], entries["checkpoint/pages-1.img"]);
        Assert.Equal(plain["pages-2.img"], entries["checkpoint/pages-2.img"]);
        var described = ManifestSerializer.Deserialize(entries["cryo-manifest.json"], "cryo-manifest.json");
        Assert.Null(described.Options.Compression);
        Assert.Empty(described.Files);
        Assert.Equal(CheckpointManifest.FullCheckpointSchemaVersion, described.SchemaVersion);
        Assert.Equal(key, described.Key);
        Assert.Empty(Directory.EnumerateDirectories(scratch.Combine("store/.tmp")).SelectMany(Directory.EnumerateFileSystemEntries));
    }

    private async Task<string> WriteTarAsync(string name, params (string Name, string Text)[] files)
    {
        var path = scratch.Combine(name);
        await using var file = File.Create(path);
        await using var tar = new TarWriter(file, TarEntryFormat.Pax);
        foreach (var (entry, text) in files)
        {
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, entry) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)) });
        }

        return path;
    }

    private static List<string> Names(string path)
    {
        using var reader = new TarReader(File.OpenRead(path));
        var names = new List<string>();
        while (reader.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }
}
