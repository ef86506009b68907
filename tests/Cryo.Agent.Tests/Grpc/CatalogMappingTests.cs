using Cryo.Agent.Grpc;
using Cryo.Agent.Tests.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cryo.Agent.Tests.Grpc;

/// <summary>What InspectCheckpoint, ListCheckpoints and a repeated Checkpoint answer from a committed manifest.</summary>
public sealed class CatalogMappingTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task ToDetails_Should_CarryEveryRecordedField_When_ACommittedCheckpointIsInspected()
    {
        var store = new ImageStore(new ImageStoreOptions { RootDirectory = directory.Path });
        var key = new CheckpointKey("default", "web-1", "uid-1");
        using (var pending = store.Begin(key))
        {
            StoreTestData.WriteFakeDump(pending);
            await store.CommitAsync(pending, Manifest(key), CancellationToken.None);
        }
        var catalog = new ImageStoreCatalog(store, NullLogger<ImageStoreCatalog>.Instance);

        var record = (await catalog.FindAsync("default", "web-1", CancellationToken.None))!;
        var details = ProtoMapper.ToDetails(record);
        var listed = Assert.Single(await catalog.ListAsync("default", CancellationToken.None));
        var outcome = ProtoMapper.ToOutcome(record);

        var summary = details.Summary;
        Assert.Equal(("default", "web-1", "uid-1"), (summary.Checkpoint.Namespace, summary.Checkpoint.Name, summary.OperationId));
        Assert.Equal("default/web-1-uid-1", summary.Location);
        Assert.True(summary.SizeBytes > 3 * 1024 * 1024);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 20, 0, 0, TimeSpan.Zero), summary.CreatedAt.ToDateTimeOffset());
        Assert.Equal(("node-a", "4.2.1", "6.18.0"), (summary.NodeName, summary.CriuVersion, summary.KernelRelease));
        Assert.Equal(("web-0", "pod-uid", "web", "nginx:1"), (summary.Pod.PodName, summary.Pod.PodUid, summary.Pod.ContainerName, summary.Pod.Image));
        Assert.Equal((true, true, false, true), (summary.Options.LeaveRunning, summary.Options.TcpEstablished, summary.Options.FileLocks, summary.Options.SkipRootFilesystem));
        Assert.True(summary.ShellJob);
        // Rounded half to even, as Math.Round does.
        Assert.Equal((12L, 35L, 56L), (summary.Timings.FreezeMs, summary.Timings.DumpMs, summary.Timings.TotalMs));
        Assert.Equal(2, summary.ProcessCount);
        Assert.Equal(3 * 1024 * 1024 + 123 + 8192, summary.MemoryPagesBytes);
        Assert.Equal("parent-1", summary.ParentCheckpoint);
        Assert.Equal(2, details.ManifestVersion);
        Assert.Equal("3f2a", details.Source.ContainerId);
        Assert.Equal(4242, details.Source.Pid);
        Assert.Equal(["4:memory:/kubepods/pod1/3f2a", "0::/"], details.Source.Cgroups);
        Assert.Equal("4026532290", details.Source.Namespaces["pid"]);
        Assert.Equal(["/data", "/etc/hosts"], details.Source.ExternalMounts);
        Assert.Equal(2, details.Processes.Count);
        Assert.Equal((1, 0, 4242, "sh"), (details.Processes[0].Pid, details.Processes[0].Ppid, details.Processes[0].HostPid, details.Processes[0].Command));
        Assert.Equal(["/bin/sh", "-c", "loop"], details.Processes[0].Args);
        Assert.Equal(string.Empty, details.Processes[1].Command);
        var pages = details.Files.Single(f => f.Path == "images/pages-1.img");
        Assert.Equal((3L * 1024 * 1024 + 123, string.Empty, 1024L * 1024), (pages.SizeBytes, pages.Sha256, pages.ChunkSizeBytes));
        Assert.Equal(ChunkDigests, pages.ChunkSha256);
        var inventory = details.Files.Single(f => f.Path == "images/inventory.img");
        Assert.Equal(64, inventory.Sha256.Length);
        Assert.Equal(0, inventory.ChunkSizeBytes);
        Assert.Equal(summary, ProtoMapper.ToSummary(listed));
        Assert.Equal((summary.Location, summary.SizeBytes, 2, "4.2.1"), (outcome.Location, outcome.SizeBytes, outcome.ProcessCount, outcome.CriuVersion));
        Assert.Equal((TimeSpan.FromMilliseconds(12.4), TimeSpan.FromMilliseconds(34.6), TimeSpan.FromMilliseconds(56.5)), (outcome.Freeze, outcome.Dump, outcome.Total));
    }

    [Fact]
    public async Task ToSummary_Should_LeaveUnknownsEmpty_When_TheManifestRecordsNoWorkloadOrNode()
    {
        var store = new ImageStore(new ImageStoreOptions { RootDirectory = directory.Path });
        var stored = await StoreTestData.CommitFakeAsync(store, StoreTestData.Key());
        var catalog = new ImageStoreCatalog(store, NullLogger<ImageStoreCatalog>.Instance);

        var summary = ProtoMapper.ToSummary((await catalog.FindAsync(stored.Key.Namespace, stored.Key.Name, CancellationToken.None))!);

        Assert.Equal((string.Empty, string.Empty, string.Empty), (summary.NodeName, summary.Pod.PodName, summary.ParentCheckpoint));
    }

    private static readonly string[] ChunkDigests = [new('a', 64), new('b', 64), new('c', 64), new('d', 64)];

    [Fact]
    public async Task ToSummary_Should_ShowWhatAnIncrementStoresAndItsChain_When_TheManifestRecordsAParent()
    {
        var store = new ImageStore(new ImageStoreOptions { RootDirectory = directory.Path });
        var key = new CheckpointKey("default", "web-2", "uid-2");
        using (var pending = store.Begin(key))
        {
            StoreTestData.WriteFakeDump(pending);
            var manifest = Manifest(key);
            manifest.Increment = new ManifestIncrement
            {
                Method = ManifestIncrement.ContentBased,
                Parent = new CheckpointKey("default", "web-1", "uid-1"),
                ChainLength = 3,
                MemoryBytesFull = 10_000_000,
                MemoryBytesStored = 1_000_000,
            };
            await store.CommitAsync(pending, manifest, CancellationToken.None);
        }
        var catalog = new ImageStoreCatalog(store, NullLogger<ImageStoreCatalog>.Instance);

        var record = (await catalog.FindAsync("default", "web-2", CancellationToken.None))!;
        var summary = ProtoMapper.ToDetails(record).Summary;

        Assert.Equal(record.SizeBytes, summary.StoredBytes);
        Assert.Equal(record.SizeBytes + 9_000_000, summary.SizeBytes);
        Assert.Equal(("web-1", 3, "contentBased"), (summary.ParentCheckpoint, summary.ChainLength, summary.IncrementMethod));
        Assert.Equal(3, ProtoMapper.ToDetails(record).ManifestVersion);
    }

    private static CheckpointManifest Manifest(CheckpointKey key)
    {
        var manifest = StoreTestData.Manifest(key);
        // Supplied digests of the right size are kept at commit: a chunked one shows how chunks are mapped.
        manifest.Files = [new ManifestFile { Path = "images/pages-1.img", Size = 3 * 1024 * 1024 + 123, ChunkSize = 1024 * 1024, ChunkSha256 = ChunkDigests }];
        manifest.Criu = new ManifestCriu { Version = "4.2.1", KernelRelease = "6.18.0" };
        manifest.Options = new ManifestOptions { LeaveRunning = true, TcpEstablished = true, ShellJob = true, SkipRootFilesystem = true };
        manifest.Timings = new ManifestTimings { FreezeMs = 12.4, DumpMs = 34.6, TotalMs = 56.5 };
        manifest.Source = new ManifestSource
        {
            ContainerId = "3f2a",
            HostPid = 4242,
            Namespaces = new Dictionary<string, string> { ["pid"] = "4026532290" },
            Cgroups = [new ManifestCgroup { Hierarchy = 4, Controllers = "memory", Path = "/kubepods/pod1/3f2a" }, new ManifestCgroup { Path = "/" }],
            ExternalMounts = new Dictionary<string, string> { ["m0"] = "/data", ["m1"] = "/etc/hosts" },
            Processes =
            [
                new ManifestProcess { Pid = 1, Ppid = 0, HostPid = 4242, CommandLine = ["/bin/sh", "-c", "loop"] },
                new ManifestProcess { Pid = 7, Ppid = 1, HostPid = 4250, CommandLine = [] },
            ],
        };
        ManifestExtraKeys.Record(manifest.Extra, new WorkloadMetadata("web-0", "pod-uid", "web", "nginx:1"), "node-a", "parent-1");
        return manifest;
    }
}
