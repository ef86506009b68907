using System.Formats.Tar;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cryo.Agent.Store.Compression;
using Cryo.Agent.Tests.Grpc;
using Cryo.Agent.Tests.Placeholder;
using Cryo.Agent.Tests.Transfer;
using Cryo.Contracts;
using Cryo.Contracts.Agent.V1;
using Cryo.Criu.Images;
using Cryo.Testing.Agent.Harness;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;

namespace Cryo.Agent.Tests.Interop;

/// <summary>
/// Checkpoints leave and enter Cryo as the kubelet's container checkpoint archive, through the agent's
/// <c>CheckpointArchive</c> API on its Unix socket: real CRIU images of a real container-shaped workload, restored
/// by the real engine into a placeholder container after the trip.
/// </summary>
[Collection(PlaceholderCollection.Name)]
public sealed class KubeletArchiveTests(PlaceholderBuild build, TestPkiFixture fixture) : IClassFixture<TestPkiFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // At runtime the app creates a file and deletes one of its image's; then it reports what it sees with a counter
    // kept in memory, until /data/exit appears, and exits 7.
    private const string Script =
        "echo made > /created.txt\nrm /bin/vi\ni=0\n" +
        "while [ ! -e /data/exit ]; do i=$((i+1)); echo \"$(cat /created.txt) $([ -e /bin/vi ] && echo vi || echo novi) $i\"; sleep 0.05; done\nexit 7\n";

    private static readonly WorkloadMetadata Pod = new("warm-0", "0c6d4f1e-pod", "app", "busybox:1.36");

    private readonly TestEngines engines = new();
    private readonly TempDirectory scratch = new("cryo-archive-");

    public void Dispose()
    {
        scratch.Dispose();
        engines.Dispose();
    }

    [Fact]
    public async Task Export_Should_WriteTheKubeletLayout_And_ItsImport_Should_RestoreIntoAPod_When_RoundTripped()
    {
        await using var source = await StartSourceAsync();
        await CheckpointAsync(source, "warm");
        var before = LastCount(source.Stdout);
        await using var agent = await PeerAgents.StartAsync(engines, fixture.Pki, "node-a");
        var archive = scratch.Combine("warm.tar");

        await ExportAsync(agent, "warm", archive);

        var entries = TarEntries.Read(archive);
        Assert.Contains("config.dump", entries.Keys);
        Assert.Contains("spec.dump", entries.Keys);
        Assert.Contains("checkpoint/inventory.img", entries.Keys);
        Assert.Contains("checkpoint/pstree.img", entries.Keys);
        Assert.Contains("checkpoint/descriptors.json", entries.Keys);
        Assert.Contains("cryo-manifest.json", entries.Keys);
        Assert.Contains(entries.Keys, e => e.StartsWith("checkpoint/pages-", StringComparison.Ordinal));
        Assert.DoesNotContain(entries.Keys, e => e.StartsWith("checkpoint/", StringComparison.Ordinal) && e.EndsWith(".log", StringComparison.Ordinal));
        var config = JsonNode.Parse(entries["config.dump"])!;
        Assert.Equal("app", (string?)config["name"]);
        Assert.Equal("busybox:1.36", (string?)config["rootfsImageName"]);
        Assert.Equal("busybox:1.36", (string?)config["rootfsImage"]);
        Assert.False(string.IsNullOrEmpty((string?)config["id"]));
        Assert.True(DateTimeOffset.Parse((string)config["createdTime"]!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddHours(-1));
        var spec = JsonNode.Parse(entries["spec.dump"])!;
        Assert.Equal("warm-0", (string?)spec["annotations"]!["io.kubernetes.pod.name"]);
        Assert.Equal("default", (string?)spec["annotations"]!["io.kubernetes.pod.namespace"]);
        Assert.Equal("app", (string?)spec["annotations"]!["io.kubernetes.container.name"]);
        Assert.Contains(spec["mounts"]!.AsArray(), m => (string?)m!["destination"] == "/data");
        Assert.Equal(["/bin/vi"], JsonSerializer.Deserialize<List<string>>(entries["deleted.files"]));
        var diff = TarEntries.Read(entries["rootfs-diff.tar"]);
        Assert.Equal("made\n", System.Text.Encoding.UTF8.GetString(diff["created.txt"]));
        Assert.DoesNotContain(diff.Keys, e => e.Contains(".wh.", StringComparison.Ordinal));

        var imported = await ImportAsync(agent, archive, "warm-copy");

        Assert.Equal("cryo-export", imported.ImportedFrom);
        Assert.Equal("warm-copy", imported.Summary.Checkpoint.Name);
        Assert.Equal("warm-0", imported.Summary.Pod.PodName);
        Assert.True(imported.Summary.MemoryPagesBytes > 0);
        await RestoreAndCheckAsync("warm-copy", before);
    }

    [Fact]
    public async Task Export_Should_WriteACompressedIncrementWhole_And_ItsImport_Should_RestoreIntoAPod()
    {
        await using var source = await StartSourceAsync();
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(source.InitPid, "base") with { Workload = Pod },
            new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
        var counted = LastCount(source.Stdout);
        await source.WaitForOutputAsync(o => LastCount(o) >= counted + 3, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(source.InitPid, "later", leaveRunning: false) with
        {
            Workload = Pod,
            ParentCheckpoint = "base",
            Compression = ImageCompression.Zstd,
        }, new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
        var before = LastCount(source.Stdout);
        var later = Assert.Single(engines.Store.FindByName("default", "later"));
        Assert.NotNull(later.Manifest.Increment);
        Assert.Contains(later.Manifest.Files, f => f.Compression is not null);
        Assert.Contains(Directory.EnumerateFiles(later.ImagesDirectory, "pagemap-*.img"), m => PageMap.Read(m).InParentPageCount > 0);
        await using var agent = await PeerAgents.StartAsync(engines, fixture.Pki, "node-a");
        var archive = scratch.Combine("later.tar");

        await ExportAsync(agent, "later", archive);

        var entries = TarEntries.Read(archive);
        Assert.DoesNotContain("checkpoint/parent", entries.Keys);
        Assert.DoesNotContain(entries.Keys, e => e.EndsWith(".zst", StringComparison.Ordinal));
        var pageMaps = entries.Where(e => e.Key.StartsWith("checkpoint/pagemap-", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(pageMaps);
        foreach (var (name, bytes) in pageMaps)
        {
            var map = PageMap.Read(new MemoryStream(bytes), name);
            Assert.Equal(0, map.InParentPageCount);
            Assert.Equal(map.PagesImageLength, entries["checkpoint/" + map.PagesFileName].LongLength);
        }

        await ImportAsync(agent, archive, "later-copy");

        var copy = Assert.Single(engines.Store.FindByName("default", "later-copy"));
        var pages = pageMaps.Sum(m => PageMap.Read(new MemoryStream(m.Value), m.Key).ContentPageCount);
        Assert.Equal(pages, PageHashIndex.Load(copy.PageIndexPath).PageCount);
        await RestoreAndCheckAsync("later-copy", before);
    }

    [Fact]
    public async Task Import_Should_RestoreIntoAPod_When_TheArchiveWasWrittenTheWayCriOAndContainerdWriteIt()
    {
        await using var source = await StartSourceAsync();
        var stdout = source.StdoutIdentity;
        var stderr = source.StderrIdentity;
        var upper = source.UpperDirPath!;
        var stored = await CheckpointAsync(source, "made-by-runtime");
        var before = LastCount(source.Stdout);
        var archive = await BuildRuntimeArchiveAsync(stored.ImagesDirectory, upper, stdout, stderr);
        await using var agent = await PeerAgents.StartAsync(engines, fixture.Pki, "node-b");

        var imported = await ImportAsync(agent, archive, "from-kubelet");

        Assert.Equal("kubelet-archive", imported.ImportedFrom);
        Assert.Equal(["network.status"], imported.IgnoredEntries);
        Assert.Equal("counter-0", imported.Summary.Pod.PodName);
        Assert.Equal("counter", imported.Summary.Pod.ContainerName);
        Assert.Equal("quay.io/example/counter:1", imported.Summary.Pod.Image);
        Assert.Equal("node-b", imported.Summary.NodeName);
        Assert.True(imported.Summary.ProcessCount >= 2, $"{imported.Summary.ProcessCount} processes read from pstree.img");
        var details = await agent.UnixClient().InspectCheckpointAsync(new InspectCheckpointRequest { Checkpoint = Ref("from-kubelet") });
        Assert.Equal(1, details.Processes[0].Pid);
        Assert.Contains(details.Files, f => f.Path == "rootfs-diff.tar" && f.Sha256.Length == 64);
        Assert.Contains(details.Files, f => f.Path == "images/pstree.img" && f.Sha256.Length == 64);
        // The external mounts' keys and places, read from mountpoints-*.img, are those the dump was given.
        Assert.Equal(stored.Manifest.Source.ExternalMounts.OrderBy(m => m.Key), Assert.Single(engines.Store.FindByName("default", "from-kubelet")).Manifest.Source.ExternalMounts.OrderBy(m => m.Key));
        await RestoreAndCheckAsync("from-kubelet", before);
    }

    [Fact]
    public async Task Import_Should_RefuseSayingWhyAndWhatToDo_When_TheRuntimesContainerHadATerminal()
    {
        await using var source = await StartSourceAsync();
        var stored = await CheckpointAsync(source, "tty-by-runtime");
        var archive = await BuildRuntimeArchiveAsync(stored.ImagesDirectory, source.UpperDirPath!, source.StdoutIdentity, source.StderrIdentity, terminal: true);
        await using var agent = await PeerAgents.StartAsync(engines, fixture.Pki, "node-a");

        var error = await Assert.ThrowsAsync<RpcException>(() => ImportAsync(agent, archive, "tty"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var info = error.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal("ARCHIVE_INVALID", info.Reason);
        Assert.Equal("spec.dump", info.Metadata["entry"]);
        Assert.Contains("process.terminal: true", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("kubectl cryo checkpoint", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(engines.Store.FindByName("default", "tty"));
        Assert.Empty(engines.Store.ListAbandoned());
    }

    [Fact]
    public async Task Import_Should_RefuseNamingTheEntry_And_CommitNothing_When_AnEntryClimbsOutOfTheArchive()
    {
        var error = await ImportRefusedAsync("evil", ("checkpoint/../../etc/cron.d/x", [1, 2, 3]));

        var info = error.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal("ARCHIVE_INVALID", info.Reason);
        Assert.Equal("checkpoint/../../etc/cron.d/x", info.Metadata["entry"]);
        Assert.Contains("nothing was imported", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_Should_RefuseSayingWhatIsMissing_When_TheArchiveHoldsNoCriuImages()
    {
        var error = await ImportRefusedAsync("empty", ("config.dump", "{\"id\":\"x\",\"name\":\"x\",\"createdTime\":\"2026-01-01T00:00:00Z\"}"u8.ToArray()));

        Assert.Contains("pstree.img", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_Should_RefuseNamingTheEntry_When_AnEntryAppearsTwice()
    {
        var error = await ImportRefusedAsync("twice", ("checkpoint/pstree.img", [1]), ("./checkpoint/pstree.img", [2]));

        Assert.Contains("appears twice", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Should_FailWithNotFound_When_TheCheckpointDoesNotExist()
    {
        await using var agent = await PeerAgents.StartAsync(engines, fixture.Pki, "node-a");

        var error = await Assert.ThrowsAsync<RpcException>(() => ExportAsync(agent, "absent", scratch.Combine("absent.tar")));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    /// <summary>
    /// Imports a tar archive of <paramref name="entries"/> as <paramref name="name"/>, which the agent must refuse as
    /// invalid having committed nothing, not even an abandoned directory: the refusal, for what it says.
    /// </summary>
    private async Task<RpcException> ImportRefusedAsync(string name, params (string Name, byte[] Data)[] entries)
    {
        await using var agent = await PeerAgents.StartAsync(engines, fixture.Pki, "node-a");
        var archive = await ArchiveOfAsync($"{name}.tar", entries);

        var error = await Assert.ThrowsAsync<RpcException>(() => ImportAsync(agent, archive, name));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Empty(engines.Store.List());
        Assert.Empty(engines.Store.ListAbandoned());
        return error;
    }

    /// <summary>A tar archive in the scratch directory holding <paramref name="entries"/> as regular files, in order.</summary>
    private async Task<string> ArchiveOfAsync(string fileName, params (string Name, byte[] Data)[] entries)
    {
        var archive = scratch.Combine(fileName);
        await using var file = File.Create(archive);
        await using var tar = new TarWriter(file, TarEntryFormat.Pax);
        foreach (var (name, data) in entries)
        {
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        }

        return archive;
    }

    private static async Task<ContainerWorkload> StartSourceAsync()
    {
        var source = await ContainerWorkload.StartAsync(new ContainerSpec { OverlayRoot = true, Script = Script }, CancellationToken.None);
        await source.WaitForOutputAsync(o => LastCount(o) >= 3, Patience, CancellationToken.None);
        return source;
    }

    private async Task<Cryo.Agent.Store.StoredCheckpoint> CheckpointAsync(ContainerWorkload source, string name)
    {
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(source.InitPid, name, leaveRunning: false) with { Workload = Pod },
            new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
        return Assert.Single(engines.Store.FindByName("default", name));
    }

    // Into a placeholder started from the same image: the app sees its file, not the deleted one, counts on from
    // where it was checkpointed, and its exit status becomes the placeholder's.
    private async Task RestoreAndCheckAsync(string name, int before)
    {
        await using var target = await ContainerWorkload.StartPlaceholderAsync(ContainerSpec.Placeholder("target") with
        {
            OverlayRoot = true,
            Script = Script,
            InitCommand = ["/cryo-placeholder"],
            HostFiles = new Dictionary<string, string> { ["/cryo-placeholder"] = build.PlaceholderPath },
        }, CancellationToken.None);

        var outcome = await engines.Restores.RestoreAsync(TestEngines.RestoreOf(name, target.InitPid), CancellationToken.None);

        await target.WaitForOutputAsync(o => o.Contains("made novi", StringComparison.Ordinal) && LastCount(o) > before + 1, Patience, CancellationToken.None);
        Assert.Equal(1, outcome.NamespacePid);
        Assert.Equal(before + 1, FirstCount(target.Stdout));
        await File.WriteAllTextAsync(Path.Join(target.VolumePath, "exit"), "");
        await target.WaitForErrorOutputAsync(e => e.Contains("exited with status 7", StringComparison.Ordinal), Patience, CancellationToken.None);
    }

    // The layout as CRI-O and containerd write it (their checkpoint code, through runc): the images with runc's
    // descriptors.json, config.dump and spec.dump, the upper layer's files in rootfs-diff.tar without whiteouts and the
    // removed paths in deleted.files, network.status; assembled with GNU tar, not by Cryo.
    private async Task<string> BuildRuntimeArchiveAsync(string images, string upper, string stdout, string stderr, bool terminal = false)
    {
        var root = scratch.Combine("runtime-archive");
        Directory.CreateDirectory(Path.Join(root, "checkpoint"));
        foreach (var image in Directory.EnumerateFiles(images).Where(f => !f.EndsWith(".log", StringComparison.Ordinal)))
        {
            File.Copy(image, Path.Join(root, "checkpoint", Path.GetFileName(image)));
        }

        await File.WriteAllTextAsync(Path.Join(root, "checkpoint", "descriptors.json"), JsonSerializer.Serialize(new[] { "/dev/null", stdout, stderr }));
        await File.WriteAllTextAsync(Path.Join(root, "config.dump"), """
            {"id":"3f1c9a0b7d","name":"counter","rootfsImage":"quay.io/example/counter:1","rootfsImageRef":"sha256:0d2c","rootfsImageName":"quay.io/example/counter:1",
             "runtime":"runc","createdTime":"2026-12-01T10:00:00Z","checkpointedTime":"2026-12-01T10:05:00Z","restoredTime":"0001-01-01T00:00:00Z","restored":false}
            """);
        await File.WriteAllTextAsync(Path.Join(root, "spec.dump"), """
            {"ociVersion":"1.0.2-dev","process":{"terminal":TERMINAL,"user":{"uid":0,"gid":0},"args":["/app/init.sh"],"cwd":"/"},
             "root":{"path":"rootfs"},"hostname":"counter-0",
             "mounts":[{"destination":"/proc","type":"proc","source":"proc"},{"destination":"/data","type":"bind","source":"/var/lib/kubelet/pods/x/volumes/data","options":["rbind","rprivate"]}],
             "annotations":{"io.kubernetes.pod.name":"counter-0","io.kubernetes.pod.namespace":"default","io.kubernetes.container.name":"counter","io.kubernetes.pod.uid":"6a1f"}}
            """.Replace("TERMINAL", terminal ? "true" : "false", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Join(root, "deleted.files"), "[\"/bin/vi\"]");
        await File.WriteAllTextAsync(Path.Join(root, "network.status"), "[]");
        // The runtimes archive the changed files only: overlay's whiteouts (0:0 character devices) become deleted.files.
        await Command.OutputAsync("/bin/sh", "-c", $"cd '{upper}' && find . ! -type c | tar --no-recursion -cf '{root}/rootfs-diff.tar' -T -");
        var archive = scratch.Combine("runtime.tar");
        await Command.OutputAsync("tar", "-cf", archive, "-C", root, "config.dump", "spec.dump", "network.status", "checkpoint", "rootfs-diff.tar", "deleted.files");
        return archive;
    }

    private static CheckpointRef Ref(string name) => new() { Namespace = "default", Name = name };

    private static async Task ExportAsync(InProcessAgent agent, string name, string path)
    {
        using var channel = UnixSocketChannel.Create(agent.SocketPath);
        using var call = new CheckpointArchive.CheckpointArchiveClient(channel).ExportCheckpoint(new ExportCheckpointRequest { Checkpoint = Ref(name) },
            deadline: DateTime.UtcNow + Patience);
        await using var file = File.Create(path);
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            await file.WriteAsync(chunk.Data.Memory);
        }
    }

    private static async Task<ImportCheckpointResponse> ImportAsync(InProcessAgent agent, string path, string name)
    {
        using var channel = UnixSocketChannel.Create(agent.SocketPath);
        using var call = new CheckpointArchive.CheckpointArchiveClient(channel).ImportCheckpoint(deadline: DateTime.UtcNow + Patience);
        await call.RequestStream.WriteAsync(new ImportCheckpointRequest { Target = new ImportTarget { OperationId = TestEngines.NewOperationId(), Checkpoint = Ref(name) } });
        await using var file = File.OpenRead(path);
        var buffer = new byte[256 * 1024];
        try
        {
            int read;
            while ((read = await file.ReadAsync(buffer)) > 0)
            {
                await call.RequestStream.WriteAsync(new ImportCheckpointRequest { Data = ByteString.CopyFrom(buffer, 0, read) });
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The agent refused the archive before reading all of it: its answer below says why.
        }

        return await call.ResponseAsync;
    }

    private static int LastCount(string output) => Counts(output) is { Count: > 0 } counts ? counts[^1] : 0;

    private static int FirstCount(string output) => Counts(output)[0];

    private static List<int> Counts(string output) =>
        [.. output.Split('\n').SkipLast(1).Select(l => l.Split(' ')).Where(p => p.Length == 3 && p[0] == "made")
            .Select(p => int.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture))];
}
