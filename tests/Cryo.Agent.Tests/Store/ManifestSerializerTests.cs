using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;

namespace Cryo.Agent.Tests.Store;

[SupportedOSPlatform("linux")]
public sealed class ManifestSerializerTests : IDisposable
{
    private readonly TempDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task Manifest_Should_RoundTripEveryField_When_SavedAndLoaded()
    {
        var manifest = FullManifest();
        var path = Path.Combine(scratch.Path, "manifest.json");

        await manifest.SaveAsync(path, CancellationToken.None);
        var loaded = await CheckpointManifest.LoadAsync(path, CancellationToken.None);

        Assert.Equal(Encoding.UTF8.GetString(ManifestSerializer.Serialize(manifest)), Encoding.UTF8.GetString(ManifestSerializer.Serialize(loaded)));
        Assert.Equal(manifest.Key, loaded.Key);
        Assert.Equal(manifest.CreatedAt, loaded.CreatedAt);
        Assert.Equal(CheckpointSourceKind.Container, loaded.Source.Kind);
        Assert.Equal(["/bin/sh", "-c", "sleep 1"], loaded.Source.Processes[1].CommandLine);
        Assert.Equal("/data", loaded.Source.ExternalMounts["data"]);
        Assert.Equal(manifest.Files, loaded.Files);
        Assert.Equal(0.5, loaded.Timings.FreezeMs);
        Assert.Equal("pod-1", loaded.Extra["pod"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Serialize_Should_WriteCamelCaseWithSchemaVersion_When_Called()
    {
        var json = Encoding.UTF8.GetString(ManifestSerializer.Serialize(FullManifest()));

        using var document = JsonDocument.Parse(json);
        var rootElement = document.RootElement;
        Assert.Equal(2, rootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("default", rootElement.GetProperty("key").GetProperty("namespace").GetString());
        Assert.Equal("container", rootElement.GetProperty("source").GetProperty("kind").GetString());
        Assert.Equal(4242, rootElement.GetProperty("source").GetProperty("hostPid").GetInt32());
        Assert.True(rootElement.GetProperty("source").GetProperty("hasControllingTerminal").GetBoolean());
        Assert.Equal("net:[4026531993]", rootElement.GetProperty("source").GetProperty("namespaces").GetProperty("net").GetString());
        Assert.Equal(64, rootElement.GetProperty("files")[0].GetProperty("sha256").GetString()!.Length);
        Assert.Equal(12.5, rootElement.GetProperty("timings").GetProperty("dumpMs").GetDouble());
        Assert.Equal(4096, rootElement.GetProperty("memoryPagesBytes").GetInt64());
        Assert.Equal("4.2.1", rootElement.GetProperty("criu").GetProperty("version").GetString());
        Assert.True(rootElement.GetProperty("options").GetProperty("leaveRunning").GetBoolean());
    }

    [Theory]
    [InlineData(5)]
    [InlineData(0)]
    public void Deserialize_Should_RefuseSchemaVersion_When_NotOneToFour(int version)
    {
        var json = Encoding.UTF8.GetString(ManifestSerializer.Serialize(FullManifest()))
            .Replace("\"schemaVersion\": 2", $"\"schemaVersion\": {version}");

        var error = Assert.Throws<UnsupportedManifestVersionException>(() => ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(json), "test"));

        Assert.Equal(version, error.FoundVersion);
        Assert.Contains($"schemaVersion {version} is not supported", error.Message);
    }

    [Fact]
    public void Deserialize_Should_ReadChunkDigests_When_FileIsListedInChunks()
    {
        var manifest = FullManifest();
        manifest.Files.Add(new ManifestFile { Path = "images/pages-2.img", Size = 40, ChunkSize = 16, ChunkSha256 = [new string('1', 64), new string('2', 64), new string('3', 64)] });

        var json = ManifestSerializer.Serialize(manifest);
        var loaded = ManifestSerializer.Deserialize(json, "test").Files[^1];

        Assert.DoesNotContain("\"sha256\": null", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
        Assert.Null(loaded.Sha256);
        Assert.Equal(16, loaded.ChunkSize);
        Assert.Equal([new DigestRange(0, 16, new string('1', 64)), new DigestRange(16, 16, new string('2', 64)), new DigestRange(32, 8, new string('3', 64))], loaded.Ranges());
    }

    [Fact]
    public void Deserialize_Should_ReadTheDigestAlgorithm_When_APagesImageIsListedByItsPages()
    {
        var manifest = FullManifest();
        manifest.SchemaVersion = CheckpointManifest.PageDigestsSchemaVersion;
        manifest.Files.Add(new ManifestFile { Path = "images/pages-2.img", Size = 8192, Sha256 = new string('1', 64), DigestAlgorithm = DigestAlgorithms.Sha256OfPages });

        var json = ManifestSerializer.Serialize(manifest);
        var loaded = ManifestSerializer.Deserialize(json, "test");

        Assert.Contains("\"digestAlgorithm\": \"sha256-pages\"", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
        Assert.Equal(4, loaded.SchemaVersion);
        Assert.Null(loaded.Files[0].DigestAlgorithm);
        Assert.Equal([new DigestRange(0, 8192, new string('1', 64), DigestAlgorithms.Sha256OfPages)], loaded.Files[^1].Ranges());
        Assert.True(loaded.Files[^1].Ranges()[0].OfPages);
    }

    [Fact]
    public void Deserialize_Should_ReadVersionOne_When_WrittenByAnOlderAgent()
    {
        var json = Encoding.UTF8.GetString(ManifestSerializer.Serialize(FullManifest()))
            .Replace("\"schemaVersion\": 2", "\"schemaVersion\": 1");

        var loaded = ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(json), "test");

        Assert.Equal(1, loaded.SchemaVersion);
        Assert.Equal([new DigestRange(0, 4096, new string('0', 64))], loaded.Files[0].Ranges());
    }

    [Theory]
    [InlineData(10, null, 4L, null, "neither")]
    [InlineData(10, "s", 4L, null, "both")]
    [InlineData(10, null, 0L, 1, "positive chunkSize")]
    [InlineData(10, null, 4L, 2, "2 chunk digests for 10 bytes in chunks of 4 (expected 3)")]
    public void Problem_Should_DescribeMalformedEntry_When_DigestsDoNotFitTheSize(long size, string? whole, long chunkSize, int? chunks, string expected)
    {
        var entry = new ManifestFile
        {
            Path = "images/pages-1.img",
            Size = size,
            Sha256 = whole,
            ChunkSize = chunks is null && whole is null ? null : chunkSize,
            ChunkSha256 = chunks is null ? null : [.. Enumerable.Repeat(new string('0', 64), chunks.Value)],
        };

        Assert.Contains(expected, entry.Problem(), StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_Should_ExplainNewerAgent_When_VersionIsNewer()
    {
        var json = "{\"schemaVersion\": 7, \"someFutureField\": {}}"u8.ToArray();

        var error = Assert.Throws<UnsupportedManifestVersionException>(() => ManifestSerializer.Deserialize(json, "test"));

        Assert.Contains("newer agent", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"schemaVersion\": \"1\"}")]
    [InlineData("{\"schemaVersion\": 1}")]
    [InlineData("{\"schemaVersion\": 1, \"key\": {\"namespace\": \"default\", \"name\": \"a\"}}")]
    [InlineData("not json")]
    public void Deserialize_Should_RefuseWithInvalidManifest_When_NotAManifest(string json)
    {
        Assert.Throws<InvalidManifestException>(() => ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(json), "test"));
    }

    [Fact]
    public void Deserialize_Should_RejectKey_When_NameLeavesTheStore()
    {
        var json = "{\"schemaVersion\": 1, \"key\": {\"namespace\": \"default\", \"name\": \"../x\", \"uid\": \"1\"}}"u8.ToArray();

        var error = Assert.Throws<InvalidCheckpointNameException>(() => ManifestSerializer.Deserialize(json, "test"));

        Assert.Equal("name", error.Field);
    }

    [Fact]
    public async Task Load_Should_NameTheFile_When_Missing()
    {
        var path = Path.Combine(scratch.Path, "absent.json");

        var error = await Assert.ThrowsAsync<InvalidManifestException>(() => CheckpointManifest.LoadAsync(path, CancellationToken.None));

        Assert.Equal(path, error.ManifestPath);
    }

    private static CheckpointManifest FullManifest() => new()
    {
        Key = StoreTestData.Key(),
        CreatedAt = new DateTimeOffset(2026, 11, 26, 20, 0, 0, 123, TimeSpan.Zero),
        Source = new ManifestSource
        {
            Kind = CheckpointSourceKind.Container,
            HostPid = 4242,
            InNamespacePid = 1,
            ContainerId = "containerd://abc",
            Namespaces = { ["net"] = "net:[4026531993]", ["pid"] = "pid:[4026531836]" },
            Cgroups = [new ManifestCgroup { Hierarchy = 3, Controllers = "memory", Path = "/kubepods/pod1/abc" }],
            Mounts = [new ManifestMount { MountId = 30, ParentId = 29, Root = "/", MountPoint = "/data", FsType = "ext4", Source = "/dev/vda", Options = "rw" }],
            ExternalMounts = { ["data"] = "/data" },
            Hostname = "pod-1",
            Processes =
            [
                new ManifestProcess { Pid = 1, HostPid = 4242, Ppid = 0, CommandLine = ["/init"] },
                new ManifestProcess { Pid = 2, HostPid = 4243, Ppid = 1, CommandLine = ["/bin/sh", "-c", "sleep 1"] },
            ],
            StdoutIdentity = "pipe:[100]",
            StderrIdentity = "pipe:[101]",
            HasControllingTerminal = true,
        },
        Criu = new ManifestCriu { Version = "4.2.1", KernelRelease = "6.18.0" },
        Options = new ManifestOptions { LeaveRunning = true, TcpEstablished = true, FileLocks = true, ShellJob = true, Externals = ["mnt[/data]:data"] },
        Files = [new ManifestFile { Path = "images/pages-1.img", Size = 4096, Sha256 = new string('0', 64) }],
        Timings = new ManifestTimings { FreezeMs = 0.5, DumpMs = 12.5, TotalMs = 20 },
        ProcessCount = 2,
        MemoryPagesBytes = 4096,
        Extra = { ["pod"] = "pod-1" },
    };
}
