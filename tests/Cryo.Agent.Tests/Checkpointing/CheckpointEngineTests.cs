using Cryo.Agent.Checkpointing;
using Cryo.Testing.Agent.Harness;
using Cryo.Criu.Images;
using Cryo.Criu.Network;
using Cryo.Criu.Running;

namespace Cryo.Agent.Tests.Checkpointing;

/// <summary>Checkpoints real container-shaped trees with real CRIU.</summary>
public sealed class CheckpointEngineTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestEngines engines = new();

    public void Dispose() => engines.Dispose();

    [Fact]
    public async Task Checkpoint_Should_CommitAManifestWithEveryFileChecksummed_When_TheTreeKeepsRunning()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script, Hostname = "warm" }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        var progress = new RecordingProgress<CheckpointStage>();

        var outcome = await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "web"), progress, CancellationToken.None);

        var stored = Assert.Single(engines.Store.List());
        var manifest = stored.Manifest;
        Assert.Equal(Path.GetRelativePath(engines.StoreRoot, stored.Directory), outcome.Location);
        Assert.Equal(stored.SizeBytes, outcome.SizeBytes);
        Assert.True(outcome.MemoryPagesBytes > 0);
        Assert.Equal(workload.HostPidsInTree().Count, manifest.ProcessCount, tolerance: 1);
        Assert.Equal(1, manifest.Source.InNamespacePid);
        Assert.Equal("warm", manifest.Source.Hostname);
        Assert.Contains("/data", manifest.Source.ExternalMounts.Values);
        Assert.Equal(workload.StdoutIdentity, manifest.Source.StdoutIdentity);
        Assert.Contains(manifest.Files, f => f.Path == "images/pstree.img" && f.Sha256?.Length == 64);
        Assert.Equal(FilesystemCapture.WritableLayerArchive, manifest.Filesystem.WritableLayerArchive);
        Assert.Contains(manifest.Files, f => f.Path == FilesystemCapture.WritableLayerArchive && f.Sha256?.Length == 64);
        Assert.False(manifest.Filesystem.WritableLayerSkipped);
        Assert.All(Directory.EnumerateFiles(stored.Directory, "*", SearchOption.AllDirectories),
            f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(stored.Directory));
        Assert.True(outcome.Freeze > TimeSpan.Zero && outcome.Freeze <= outcome.Total);
        Assert.Equal([CheckpointStage.Resolving, CheckpointStage.Freezing, CheckpointStage.Dumping, CheckpointStage.Committing], progress.Reports.Distinct());
        // leaveRunning: the workload goes on, thawed.
        Assert.Equal("THAWED", File.ReadAllText(Path.Combine(workload.CgroupDirectory("freezer"), "freezer.state")).Trim());
        var after = Counter.Last(workload.Stdout);
        await workload.WaitForOutputAsync(o => Counter.Last(o) > after + 2, Patience, CancellationToken.None);
        await ChecksumVerifier.VerifyAsync(stored, CancellationToken.None);
    }

    [Fact]
    public async Task Checkpoint_Should_KeepTheHashOfEveryPageBesideTheManifest_When_Committed()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 1, Patience, CancellationToken.None);

        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "indexed"), new RecordingProgress<CheckpointStage>(), CancellationToken.None);

        var stored = Assert.Single(engines.Store.List());
        var kept = PageHashIndex.Load(stored.PageIndexPath);
        var fromScratch = PageHashIndex.Build(stored.ImagesDirectory, null, CancellationToken.None);
        Assert.True(kept.PageCount > 0);
        Assert.Equal(fromScratch.ToByteArray(), kept.ToByteArray());
        Assert.Contains(stored.Manifest.Files, f => f.Path == "page-index.pb" && f.Sha256?.Length == 64);
    }

    [Fact]
    public async Task Checkpoint_Should_LeaveTheWorkloadRunningAndTheStoreEmpty_When_CriuFails()
    {
        // An established TCP connection without tcpEstablished: CRIU refuses to dump it.
        const string script = "sleep 100000 | nc -l -p 7000 &\nsleep 0.3\ni=0\nwhile :; do i=$((i+1)); echo $i; sleep 0.05; done | nc 127.0.0.1 7000\n";
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);

        var error = await Assert.ThrowsAsync<CriuException>(() =>
            engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "refused"), new RecordingProgress<CheckpointStage>(), CancellationToken.None));

        Assert.Equal("dump", error.Operation);
        Assert.Contains("TCP", error.LogExcerpt, StringComparison.OrdinalIgnoreCase);
        AssertStoreHoldsNothing();
        var after = Counter.Last(workload.Stdout);
        await workload.WaitForOutputAsync(o => Counter.Last(o) > after + 2, Patience, CancellationToken.None);
    }

    [Fact]
    public async Task Checkpoint_Should_ThawTheWorkloadAndLeaveNothing_When_CriuIsKilledMidDump()
    {
        var interrupting = (InterruptingCriu)null!;
        using var killing = new TestEngines(criu => interrupting = new InterruptingCriu(criu));
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            killing.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "interrupted"), new RecordingProgress<CheckpointStage>(), CancellationToken.None));

        Assert.True(interrupting.Interrupted, "the dump finished before CRIU reached pre-dump");
        Assert.True(interrupting.FrozenWhenInterrupted, "the engine had not frozen the tree when CRIU was killed");
        Assert.Equal("THAWED", File.ReadAllText(Path.Combine(workload.CgroupDirectory("freezer"), "freezer.state")).Trim());
        Assert.Empty(killing.Store.List());
        Assert.Empty(LeftoverTemporaryEntries(killing.StoreRoot));
        var after = Counter.Last(workload.Stdout);
        await workload.WaitForOutputAsync(o => Counter.Last(o) > after + 2, Patience, CancellationToken.None);
    }

    [Fact]
    public async Task Checkpoint_Should_LeaveAPausedWorkloadPaused_When_TheDumpIsInterrupted()
    {
        // Killed at post-dump, when CRIU holds every task by ptrace and has thawed their cgroup, which it would
        // freeze again as it lets go: the moment a paused workload would be left running.
        var interrupting = (InterruptingCriu)null!;
        using var killing = new TestEngines(criu => interrupting = new InterruptingCriu(criu) { OnlyAtPostDump = true });
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        var state = Path.Combine(workload.CgroupDirectory("freezer"), "freezer.state");
        // Paused before the checkpoint began, as a runtime pauses a container.
        await workload.PauseAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            killing.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "paused"), new RecordingProgress<CheckpointStage>(), CancellationToken.None));

        Assert.True(interrupting.Interrupted, "the dump finished before CRIU reached post-dump");
        Assert.Equal("FROZEN", File.ReadAllText(state).Trim());
        Assert.Empty(killing.Store.List());
        Assert.Empty(LeftoverTemporaryEntries(killing.StoreRoot));
    }

    [Fact]
    public async Task Checkpoint_Should_UnblockTheTcpConnection_When_CriuIsKilledMidDumpWithTcpEstablished()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = EchoingConnection.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => EchoingConnection.LastAck(o) >= 5, Patience, CancellationToken.None);
        IReadOnlyList<string> tablesMidDump = [];
        var interrupting = (InterruptingCriu)null!;
        using var killing = new TestEngines(criu => interrupting = new InterruptingCriu(criu)
        {
            OnlyAtPostDump = true,
            WhileLingering = async () => tablesMidDump = await NftTables.InetTablesOfAsync(workload.InitPid),
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            killing.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "tcp-interrupted", tcpEstablished: true), new RecordingProgress<CheckpointStage>(), CancellationToken.None));

        Assert.True(interrupting.Interrupted, "the dump finished before CRIU reached post-dump");
        // CRIU had locked the connection when it was killed: the test would pass without any lock otherwise.
        Assert.Contains(tablesMidDump, t => t.StartsWith(NetworkLockTable.NamePrefix, StringComparison.Ordinal));
        Assert.DoesNotContain(await NftTables.InetTablesOfAsync(workload.InitPid), t => t.StartsWith(NetworkLockTable.NamePrefix, StringComparison.Ordinal));
        Assert.Equal("THAWED", File.ReadAllText(Path.Combine(workload.CgroupDirectory("freezer"), "freezer.state")).Trim());
        Assert.Empty(killing.Store.List());
        Assert.Empty(LeftoverTemporaryEntries(killing.StoreRoot));
        // Numbers still go to the server and its acks come back: the connection carries data both ways.
        var after = EchoingConnection.LastAck(workload.Stdout);
        await workload.WaitForOutputAsync(o => EchoingConnection.LastAck(o) > after + 5, Patience, CancellationToken.None);
    }

    [Fact]
    public async Task Checkpoint_Should_DumpAndRecordAShellJob_When_TheTreeHasAControllingTerminal()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script, Tty = true }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);

        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "tty"), new RecordingProgress<CheckpointStage>(), CancellationToken.None);

        var manifest = Assert.Single(engines.Store.List()).Manifest;
        Assert.True(manifest.Options.ShellJob);
        Assert.True(manifest.Source.HasControllingTerminal);
        var after = Counter.Last(workload.Stdout);
        await workload.WaitForOutputAsync(o => Counter.Last(o) > after + 2, Patience, CancellationToken.None);
    }

    [Fact]
    public async Task Checkpoint_Should_RefuseBeforeFreezingAndNameTheRootAndTheOptOut_When_TheRootIsNotAnOverlay()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { OverlayRoot = false, Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        var root = RootMountOf(workload.InitPid);
        var progress = new RecordingProgress<CheckpointStage>();

        var error = await Assert.ThrowsAsync<RootFilesystemNotCapturableException>(() =>
            engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "bound-root"), progress, CancellationToken.None));

        Assert.Equal(root.FsType, error.FilesystemType);
        Assert.Equal(root.Source, error.MountSource);
        Assert.Contains($"a {root.FsType} mount (source {root.Source}", error.Message, StringComparison.Ordinal);
        Assert.Contains(RootFilesystemNotCapturableException.OptOutField, error.Message, StringComparison.Ordinal);
        Assert.Contains("spec.skipRootFilesystem", error.Message, StringComparison.Ordinal);
        Assert.Contains("--skip-rootfs", error.Message, StringComparison.Ordinal);
        // Refused while resolving: never frozen, nothing begun in the store, the workload goes on.
        Assert.Equal([CheckpointStage.Resolving], progress.Reports.Distinct());
        AssertStoreHoldsNothing();
        Assert.Equal("THAWED", File.ReadAllText(Path.Combine(workload.CgroupDirectory("freezer"), "freezer.state")).Trim());
        var after = Counter.Last(workload.Stdout);
        await workload.WaitForOutputAsync(o => Counter.Last(o) > after + 2, Patience, CancellationToken.None);
    }

    [Fact]
    public async Task Checkpoint_Should_CommitWithoutTheWritableLayerAndSaySo_When_TheCallerOptsOutOnANonOverlayRoot()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { OverlayRoot = false, Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);

        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "skipped", skipRootFilesystem: true), new RecordingProgress<CheckpointStage>(), CancellationToken.None);

        var stored = Assert.Single(engines.Store.List());
        var manifest = stored.Manifest;
        Assert.True(manifest.Options.SkipRootFilesystem);
        Assert.True(manifest.Filesystem.WritableLayerSkipped);
        Assert.Null(manifest.Filesystem.WritableLayerArchive);
        Assert.Contains("skipped by request", manifest.Filesystem.WritableLayerNote, StringComparison.Ordinal);
        Assert.DoesNotContain(manifest.Files, f => f.Path == FilesystemCapture.WritableLayerArchive);
        Assert.False(File.Exists(Path.Combine(stored.Directory, FilesystemCapture.WritableLayerArchive)));
        await ChecksumVerifier.VerifyAsync(stored, CancellationToken.None);
        var after = Counter.Last(workload.Stdout);
        await workload.WaitForOutputAsync(o => Counter.Last(o) > after + 2, Patience, CancellationToken.None);
    }

    [Fact]
    public async Task Checkpoint_Should_NotAskForTheOptOut_When_TheTreeSharesTheHostsMountNamespace()
    {
        // setsid inside the PID namespace: CRIU needs the session leader in the tree.
        await using var workload = await PlainWorkload.StartAsync(new PlainSpec { Script = "exec setsid /bin/sh -c '" + Counter.Script + "'" }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 2, Patience, CancellationToken.None);

        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.RootPid, "plain"), new RecordingProgress<CheckpointStage>(), CancellationToken.None);

        var manifest = Assert.Single(engines.Store.List()).Manifest;
        Assert.False(manifest.Options.SkipRootFilesystem);
        Assert.False(manifest.Filesystem.WritableLayerSkipped);
        Assert.Null(manifest.Filesystem.WritableLayerArchive);
    }

    [Fact]
    public async Task Checkpoint_Should_SayHowToFixIt_When_TheSessionLeaderIsOutsideTheTreesPidNamespace()
    {
        await using var workload = await PlainWorkload.StartAsync(new PlainSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 2, Patience, CancellationToken.None);

        var error = await Assert.ThrowsAsync<Cryo.Agent.Checkpointing.TreeNotCheckpointableException>(() =>
            engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.RootPid, "sessionless"), new RecordingProgress<CheckpointStage>(), CancellationToken.None));

        Assert.Contains("setsid", error.Message, StringComparison.Ordinal);
        AssertStoreHoldsNothing();
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("/etc")]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("Upper")]
    public async Task Checkpoint_Should_RejectTheName_When_ItIsNotAValidCheckpointName(string name)
    {
        var error = await Assert.ThrowsAsync<InvalidCheckpointNameException>(() =>
            engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(Environment.ProcessId, name), new RecordingProgress<CheckpointStage>(), CancellationToken.None));

        Assert.Equal("name", error.Field);
        AssertStoreHoldsNothing();
    }

    [Fact]
    public async Task Checkpoint_Should_RejectTheName_When_ItIsTooLong()
    {
        await Assert.ThrowsAsync<InvalidCheckpointNameException>(() =>
            engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(Environment.ProcessId, new string('a', 254)), new RecordingProgress<CheckpointStage>(), CancellationToken.None));
        AssertStoreHoldsNothing();
    }

    [Fact]
    public async Task Checkpoint_Should_SayTheTreeIsGone_When_ThePidDoesNotExist()
    {
        var error = await Assert.ThrowsAsync<ProcessTreeNotFoundException>(() =>
            engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(int.MaxValue - 1, "ghost"), new RecordingProgress<CheckpointStage>(), CancellationToken.None));

        Assert.Equal(int.MaxValue - 1, error.Tree.Pid);
        AssertStoreHoldsNothing();
    }

    /// <summary>The root mount as the workload's init sees it: filesystem type and source (the kernel's view, not the agent's).</summary>
    private static (string FsType, string Source) RootMountOf(int pid)
    {
        var line = File.ReadAllLines($"/proc/{pid}/mountinfo").Last(l => l.Split(' ')[4] == "/");
        var afterSeparator = line[(line.IndexOf(" - ", StringComparison.Ordinal) + 3)..].Split(' ');
        return (afterSeparator[0], afterSeparator[1]);
    }

    private void AssertStoreHoldsNothing()
    {
        Assert.Empty(engines.Store.List());
        Assert.Empty(LeftoverTemporaryEntries(engines.StoreRoot));
    }

    /// <summary>What lies in the store's temporary area below the agent's own (empty) owner directory.</summary>
    private static IReadOnlyList<string> LeftoverTemporaryEntries(string storeRoot)
    {
        var temporary = Path.Combine(storeRoot, ".tmp");
        return Directory.Exists(temporary)
            ? Directory.EnumerateDirectories(temporary).SelectMany(owner => Directory.EnumerateFileSystemEntries(owner)).ToList()
            : [];
    }
}
