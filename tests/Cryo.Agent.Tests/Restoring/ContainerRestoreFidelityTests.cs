using Cryo.Agent.Filesystem;
using Cryo.Agent.Restoring;
using Cryo.Agent.Tests.Filesystem;
using Cryo.Testing.Agent.Harness;
using Cryo.Agent.Tests.Placeholder;

namespace Cryo.Agent.Tests.Restoring;

/// <summary>
/// A restore into a fresh placeholder container carries the container's files (writable layer,
/// /dev/shm) and gives the placeholder the application's real lifecycle, through the engines alone.
/// </summary>
[Collection(PlaceholderCollection.Name)]
public sealed class ContainerRestoreFidelityTests(PlaceholderBuild build) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TestEngines engines = new();

    public void Dispose() => engines.Dispose();

    /// <summary>A placeholder container whose init is the real cryo-placeholder, as in a restore pod.</summary>
    private ContainerSpec RealPlaceholder(string hostname) => ContainerSpec.Placeholder(hostname) with
    {
        InitCommand = ["/cryo-placeholder"],
        HostFiles = new Dictionary<string, string> { ["/cryo-placeholder"] = build.PlaceholderPath },
    };

    /// <summary>
    /// A placeholder started from the workload's image (same /app/init.sh, a plain root) but running the
    /// placeholder as its init, as a restore pod runs it in place of the image's command.
    /// </summary>
    private ContainerSpec SameImagePlaceholder(string hostname) => RealPlaceholder(hostname) with { Script = Counter.Script, OverlayRoot = false };

    [Fact]
    public async Task Restore_Should_BringTheContainersFilesAndEndWithTheAppsStatus_When_RestoredIntoAnEmptyPlaceholder()
    {
        using var scratch = new TempDirectory();
        using var sourceShm = new TmpfsMount(scratch.Combine("source-shm"));
        using var targetShm = new TmpfsMount(scratch.Combine("target-shm"));
        // At runtime the app creates a file, changes one of the image's (a mode change copies it up),
        // deletes one of the image's, and writes into /dev/shm; then it reports what it sees, until
        // /data/exit appears, and exits 7.
        const string script =
            "echo made > /created.txt\nchmod 0700 /bin/busybox\nrm /bin/vi\necho segment > /dev/shm/seg\n" +
            "while [ ! -e /data/exit ]; do echo \"$(cat /created.txt) $(cat /dev/shm/seg) $([ -e /bin/vi ] && echo vi || echo novi) $(stat -c %a /bin/busybox)\"; sleep 0.05; done\nexit 7\n";
        await using var source = await ContainerWorkload.StartAsync(
            new ContainerSpec { OverlayRoot = true, Script = script, BindMounts = [new BindMount(sourceShm.Path, "/dev/shm")] }, CancellationToken.None);
        await source.WaitForOutputAsync(o => o.Contains("made segment novi 700", StringComparison.Ordinal), Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(source.InitPid, "fidelity", leaveRunning: false), new RecordingProgress<CheckpointStage>(), CancellationToken.None);
        var manifest = Assert.Single(engines.Store.List()).Manifest;
        Assert.NotNull(manifest.Filesystem.WritableLayerArchive);
        Assert.NotNull(manifest.Filesystem.ShmArchive);
        Assert.Contains(manifest.Files, f => f.Path == manifest.Filesystem.WritableLayerArchive);

        await using var target = await ContainerWorkload.StartPlaceholderAsync(
            RealPlaceholder("target") with
            {
                OverlayRoot = true,
                Script = script,
                BindMounts = [new BindMount(targetShm.Path, "/dev/shm")],
            },
            CancellationToken.None);
        var lower = OverlayRoot.Find(target.InitPid).LowerDirs;
        Assert.DoesNotContain("made", target.Stdout, StringComparison.Ordinal);

        var outcome = await engines.Restores.RestoreAsync(TestEngines.RestoreOf("fidelity", target.InitPid), CancellationToken.None);

        // The restored app, now in the placeholder, sees its file, the change, not the deleted file, and its /dev/shm.
        var seen = target.Stdout.Length;
        await target.WaitForOutputAsync(o => o[seen..].Contains("made segment novi 700", StringComparison.Ordinal), Patience, CancellationToken.None);
        await target.WaitForErrorOutputAsync(e => e.Contains("adopted", StringComparison.Ordinal), Patience, CancellationToken.None);
        Assert.Equal(1, outcome.NamespacePid);
        // Where the time went, step by step: applying the files is a step of its own (beside CRIU's start-up).
        var steps = Assert.IsType<RestoreSteps>(outcome.Steps);
        Assert.True(steps.Filesystem > TimeSpan.Zero && steps.Criu > TimeSpan.Zero, $"steps: {steps}");
        Assert.True(steps.Target + steps.Prepare + steps.Criu + steps.Handoff <= outcome.Total, $"steps {steps} exceed the total {outcome.Total}");
        // The image's layers are shared and must stay untouched.
        var image = Assert.Single(lower);
        Assert.NotNull(new FileInfo(Path.Join(image, "bin", "vi")).LinkTarget);
        Assert.NotEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Join(image, "bin", "busybox")));

        await File.WriteAllTextAsync(Path.Join(target.VolumePath, "exit"), "");
        await target.WaitForErrorOutputAsync(e => e.Contains("exited with status 7", StringComparison.Ordinal), Patience, CancellationToken.None);
    }

    [Fact]
    public async Task Restore_Should_ReopenTheLayerFileTheAppHoldsAndBringEveryOther_When_TheLayerIsSplitAroundCriu()
    {
        // The app works in a directory it made, holds a log there open for appending, and wrote files it does not hold:
        // CRIU opens the log and the directory by name, so they are applied before it opens files; the rest beside it.
        const string script =
            "mkdir -p /work/dir /tmp/rest && cd /work/dir && i=0; while [ $i -lt 40 ]; do echo $i > /tmp/rest/f$i; i=$((i+1)); done\n" +
            "exec 3>>/work/dir/app.log\n" +
            "while [ ! -e /data/exit ]; do echo tick >&3; echo \"lines $(wc -l < /work/dir/app.log) rest $(ls /tmp/rest | wc -l) in $(pwd)\"; sleep 0.05; done\nexit 7\n";
        await using var source = await ContainerWorkload.StartAsync(new ContainerSpec { OverlayRoot = true, Script = script }, CancellationToken.None);
        await source.WaitForOutputAsync(o => o.Contains("rest 40 in /work/dir", StringComparison.Ordinal), Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(source.InitPid, "split", leaveRunning: false), new RecordingProgress<CheckpointStage>(), CancellationToken.None);
        var checkpoint = Assert.Single(engines.Store.List());
        var linesAtCheckpoint = File.ReadAllLines(Path.Join(source.UpperDirPath!, "work", "dir", "app.log")).Length;
        var split = Assert.IsType<LayerSplit>(FilesystemRestore.SplitOf(checkpoint));
        Assert.True(split.IsEarly("/work/dir/app.log") && split.IsEarly("/work/dir") && split.IsEarly("/work"), "the held log and its directories go first");
        Assert.False(split.IsEarly("/tmp/rest/f1") || split.IsEarly("/tmp/rest") || split.IsEarly("/tmp"), "files the app does not hold go beside CRIU");
        await using var target = await ContainerWorkload.StartPlaceholderAsync(RealPlaceholder("target") with { OverlayRoot = true, Script = script }, CancellationToken.None);
        // A layer this small is written whole before CRIU opens files unless told otherwise.
        engines.Options.WholeLayerFirstMaxBytes = 0;

        var outcome = await engines.Restores.RestoreAsync(TestEngines.RestoreOf("split", target.InitPid), CancellationToken.None);

        // The restored app appends through the descriptor CRIU reopened on the target's copy of the log, sees every other
        // file, and works where it worked.
        // (Seen from the host the path may carry the host's way to the container's root in front.)
        Assert.EndsWith("/work/dir/app.log", Procs.FdTarget(outcome.HostPid, 3), StringComparison.Ordinal);
        var seen = target.Stdout.Length;
        await target.WaitForOutputAsync(o => o[seen..].Contains("rest 40 in /work/dir", StringComparison.Ordinal), Patience, CancellationToken.None);
        await Eventually.TrueAsync(() => File.ReadAllLines(Path.Join(target.UpperDirPath!, "work", "dir", "app.log")).Length > linesAtCheckpoint + 2,
            "the restored app to append to the target's log", Patience);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"f{i}").Order(StringComparer.Ordinal),
            Directory.GetFiles(Path.Join(target.UpperDirPath!, "tmp", "rest")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        await File.WriteAllTextAsync(Path.Join(target.VolumePath, "exit"), "");
        await target.WaitForErrorOutputAsync(e => e.Contains("exited with status 7", StringComparison.Ordinal), Patience, CancellationToken.None);
    }

    [Fact]
    public async Task LazyRestore_Should_ServeTheMemoryOfATreeRestoredIntoAContainer_When_LazyIsAsked()
    {
        var (source, checksum) = await Memhog.StartAsync(128, CancellationToken.None, patience: Patience);
        await using var original = source;
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(source.InitPid, "hog", leaveRunning: false), new RecordingProgress<CheckpointStage>(), CancellationToken.None);
        await using var target = await ContainerWorkload.StartPlaceholderAsync(
            RealPlaceholder("target") with { OverlayRoot = true, HostFiles = new Dictionary<string, string> { ["/cryo-placeholder"] = build.PlaceholderPath, ["/app/memhog"] = Memhog.BinaryPath } },
            CancellationToken.None);

        var outcome = await engines.Restores.RestoreAsync(TestEngines.RestoreOf("hog", target.InitPid) with { Lazy = true }, CancellationToken.None);
        using var transfer = new CancellationTokenSource(Patience);
        var status = await Cryo.Agent.Restoring.Lazy.LazyTransfers.WaitAsync(outcome.WorkDirectory!, transfer.Token);
        var seen = target.Stdout.Length;
        using (var kill = System.Diagnostics.Process.Start("kill", ["-USR1", outcome.HostPid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        var answer = await target.WaitForOutputAsync(o => o[seen..].Contains("check ", StringComparison.Ordinal) && o.EndsWith('\n'), Patience, CancellationToken.None);

        Assert.True(outcome.Lazy, outcome.LazyFallbackReason);
        Assert.Equal(target.InitPid, Procs.ParentOf(outcome.HostPid));
        Assert.Equal(0, status);
        Assert.Equal(checksum, Memhog.Answer(answer[seen..], "check"));
    }

    [Fact]
    public async Task Restore_Should_LiveInThePlaceholdersNamespacesAndCgroup_When_RestoredIntoAContainer()
    {
        // A plain (non-overlay) root, checkpointed with the explicit opt-out: the placeholder runs the same
        // image, so its root already holds every file the workload uses.
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { OverlayRoot = false, Script = Counter.Script, Hostname = "source" }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "moving", skipRootFilesystem: true), new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
        Assert.True(Assert.Single(engines.Store.List()).Manifest.Filesystem.WritableLayerSkipped);
        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);
        await using var placeholder = await ContainerWorkload.StartPlaceholderAsync(SameImagePlaceholder("target"), CancellationToken.None);

        var outcome = await engines.Restores.RestoreAsync(TestEngines.RestoreOf("moving", placeholder.InitPid), CancellationToken.None);

        var nspid = Procs.NamespacePids(outcome.HostPid);
        Assert.Equal(3, nspid.Count);
        Assert.Equal(1, nspid[^1]);
        Assert.Equal(placeholder.InitPid, Procs.ParentOf(outcome.HostPid));
        foreach (var kind in new[] { "net", "ipc", "uts" })
        {
            Assert.Equal(Procs.Namespace(placeholder.InitPid, kind), Procs.Namespace(outcome.HostPid, kind));
        }
        Assert.Equal(Procs.Cgroup(placeholder.InitPid, "memory"), Procs.Cgroup(outcome.HostPid, "memory"));
        Assert.Equal("target", await Procs.HostnameAsync(outcome.HostPid));
        // Its output goes to the placeholder's stdout, which the harness reads like a runtime's shim.
        var restoredStart = placeholder.Stdout.Length;
        await placeholder.WaitForOutputAsync(o => Counter.Values(o[restoredStart..]).Count >= 3, Patience, CancellationToken.None);

        var tree = Procs.Tree(outcome.HostPid);
        await ProcessReaper.KillAsync([placeholder.InitPid], CancellationToken.None);
        await Eventually.TrueAsync(() => tree.All(p => !Procs.IsAlive(p)), "every restored process to end with the placeholder's init", Patience);
    }

    [Fact]
    public async Task Restore_Should_LeaveTheSourcesUnifiedCgroupForTheTargets_When_TheHostAlsoMountsCgroup2()
    {
        // This host is cgroup v1 with systemd's unified (cgroup2) hierarchy beside it, where the harness, like runc,
        // gives each container a cgroup too. The source keeps running through the dump, as a migration's does.
        await using var source = await ContainerWorkload.StartAsync(new ContainerSpec { OverlayRoot = false, Script = Counter.Script, Hostname = "source" }, CancellationToken.None);
        await source.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(source.InitPid, "unified", skipRootFilesystem: true), new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
        await using var placeholder = await ContainerWorkload.StartPlaceholderAsync(SameImagePlaceholder("target"), CancellationToken.None);
        Assert.NotEqual(Procs.UnifiedCgroup(source.InitPid), Procs.UnifiedCgroup(placeholder.InitPid));

        var outcome = await engines.Restores.RestoreAsync(TestEngines.RestoreOf("unified", placeholder.InitPid), CancellationToken.None);

        var target = Procs.UnifiedCgroup(placeholder.InitPid);
        Assert.Equal(target, Procs.UnifiedCgroup(outcome.HostPid));
        // The counter's sleeps come and go: one that ended between listing the tree and reading its cgroup is passed over.
        Assert.All(Procs.Tree(outcome.HostPid), pid =>
        {
            try
            {
                Assert.Equal(target, Procs.UnifiedCgroup(pid));
            }
            catch (Exception e) when (e is IOException or InvalidOperationException && !Procs.IsAlive(pid))
            {
            }
        });
        // Removing the source container empties all its cgroups, as a kubelet does when its pod goes: the copy lives on.
        await source.DisposeAsync();
        var restoredStart = placeholder.Stdout.Length;
        await placeholder.WaitForOutputAsync(o => Counter.Values(o[restoredStart..]).Count >= 3, Patience, CancellationToken.None);
        // The counter's sleeps come and go; its root must not.
        Assert.True(Procs.IsAlive(outcome.HostPid), "the restored root ended with the source container");
    }

    [Fact]
    public async Task Restore_Should_RefuseBeforeTouchingTheTarget_When_TheWritableLayerArchiveIsCorrupted()
    {
        const string script = "echo made > /created.txt\n" + Counter.Script;
        await using var source = await ContainerWorkload.StartAsync(new ContainerSpec { OverlayRoot = true, Script = script }, CancellationToken.None);
        await source.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(source.InitPid, "layer", leaveRunning: false), new RecordingProgress<CheckpointStage>(), CancellationToken.None);
        var checkpoint = Assert.Single(engines.Store.List());
        var archive = Assert.IsType<string>(checkpoint.Manifest.Filesystem.WritableLayerArchive);
        FileDamage.FlipByte(checkpoint.ResolveFile(archive), 700, 0x20); // inside the first entry's content, past its header
        await using var target = await ContainerWorkload.StartPlaceholderAsync(RealPlaceholder("target") with { OverlayRoot = true, Script = script }, CancellationToken.None);

        var error = await Assert.ThrowsAsync<Cryo.Agent.Store.CheckpointCorruptedException>(() =>
            engines.Restores.RestoreAsync(TestEngines.RestoreOf("layer", target.InitPid), CancellationToken.None));

        Assert.Equal(archive, error.RelativePath);
        Assert.False(File.Exists(Path.Join(target.RootfsPath, "created.txt")));
    }

    [Fact]
    public async Task Restore_Should_RefuseBeforeRestoringAnything_When_TheTargetsInitIsNotThePlaceholder()
    {
        await using var source = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await source.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(source.InitPid, "other-init", leaveRunning: false), new RecordingProgress<CheckpointStage>(), CancellationToken.None);
        // An init that only waits and reaps: it would hold the restored app, but never end with it.
        await using var target = await ContainerWorkload.StartPlaceholderAsync(ContainerSpec.Placeholder("target") with { Script = Counter.Script, InitCommand = ["/bin/sh", "-c", ContainerSpec.PlaceholderScript] }, CancellationToken.None);

        var error = await Assert.ThrowsAsync<RestoreTargetMismatchException>(() =>
            engines.Restores.RestoreAsync(TestEngines.RestoreOf("other-init", target.InitPid), CancellationToken.None));

        Assert.Contains("cryo-placeholder", error.Message, StringComparison.Ordinal);
        // A restored tree would sit in a PID namespace of its own below the container's.
        Assert.DoesNotContain(target.HostPidsInTree(), p => Procs.IsAlive(p) && Procs.NamespacePids(p).Count > 2);
        Assert.False(Directory.Exists(Path.Join(target.RootfsPath, ".cryo")));
        Assert.Single(engines.Store.List());
    }

    [Fact]
    public async Task Restore_Should_RefuseNamingTheFile_When_AnOpenVolumeFileChangedSize()
    {
        // The app holds /data/journal open and appends to it.
        const string script = "exec 5>>/data/journal\ni=0\nwhile :; do i=$((i+1)); echo $i >&5; echo $i; sleep 0.05; done\n";
        await using var source = await ContainerWorkload.StartAsync(new ContainerSpec { Script = script }, CancellationToken.None);
        await source.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(source.InitPid, "journal", leaveRunning: false), new RecordingProgress<CheckpointStage>(), CancellationToken.None);
        Assert.Contains(Assert.Single(engines.Store.List()).Manifest.Filesystem.VolumeFiles, f => f.ContainerPath == "/data/journal");
        await File.AppendAllTextAsync(Path.Join(source.VolumePath, "journal"), "written after the checkpoint\n");

        var error = await Assert.ThrowsAsync<VolumeMismatchException>(() => engines.Restores.RestoreAsync(TestEngines.RestoreOf("journal"), CancellationToken.None));

        Assert.Contains("/data/journal", error.Message, StringComparison.Ordinal);
        Assert.Single(engines.Store.List());
    }
}
