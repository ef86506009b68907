using Cryo.Testing.Agent.Harness;

namespace Cryo.Agent.Tests.Restoring;

/// <summary>Restores real checkpoints of container-shaped trees with real CRIU, and checks what the kernel shows.</summary>
public sealed class RestoreEngineTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestEngines engines = new();
    private RestoredCopies copies = null!;

    public Task InitializeAsync()
    {
        copies = new RestoredCopies(engines);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await copies.DisposeAsync();

    public void Dispose() => engines.Dispose();

    [Fact]
    public async Task Restore_Should_ContinueTheCounter_When_TheOriginalWasKilled()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 5, Patience, CancellationToken.None);
        var before = Counter.Last(workload.Stdout);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "counter"), new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
        await ProcessReaper.KillTreeAsync(workload.InitPid, CancellationToken.None);
        var atKill = Counter.Last(workload.Stdout);

        var command = TestEngines.RestoreOf("counter");
        var outcome = await engines.Restores.RestoreAsync(command, CancellationToken.None);
        copies.Track(outcome.HostPid);

        var restored = await Counter.WaitForFileAsync(engines.OutputOf(command), v => v.Count >= 3, Patience);
        Assert.InRange(restored[0], before + 1, atKill + 1);
        Assert.Equal(1, outcome.NamespacePid);
        Assert.Equal([outcome.HostPid, 1], Procs.NamespacePids(outcome.HostPid));
        Assert.Equal(workload.Hostname, await Procs.HostnameAsync(outcome.HostPid));
    }

    [Fact]
    public async Task Restore_Should_GiveTheCopyItsOwnUnifiedCgroup_When_TheHostAlsoMountsCgroup2()
    {
        // This v1 host mounts the unified (cgroup2) hierarchy too, and the harness, as runc, gives the source a cgroup there.
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "unified"), new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
        var command = TestEngines.RestoreOf("unified");

        var outcome = await engines.Restores.RestoreAsync(command, CancellationToken.None);
        copies.Track(outcome.HostPid);

        Assert.NotEqual(Procs.UnifiedCgroup(workload.InitPid), Procs.UnifiedCgroup(outcome.HostPid));
        Assert.Equal(Procs.Cgroup(outcome.HostPid, "pids"), Procs.UnifiedCgroup(outcome.HostPid));
        await Counter.WaitForFileAsync(engines.OutputOf(command), v => v.Count >= 3, Patience);
    }

    [Fact]
    public async Task Restore_Should_RunTheCopyAndLeaveTheOriginalPaused_When_TheWorkloadWasPausedAtCheckpoint()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        var state = Path.Combine(workload.CgroupDirectory("freezer"), "freezer.state");
        // Paused as a runtime pauses a container: the images then record the freezer FROZEN, as they do
        // for every tree the engine freezes itself for the dump.
        await workload.PauseAsync();

        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "paused"), new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
        Assert.Equal("FROZEN", File.ReadAllText(state).Trim());
        var command = TestEngines.RestoreOf("paused");
        var outcome = await engines.Restores.RestoreAsync(command, CancellationToken.None);
        copies.Track(outcome.HostPid);

        var restored = await Counter.WaitForFileAsync(engines.OutputOf(command), v => v.Count >= 3, Patience);
        Assert.True(restored[^1] > restored[0], "the restored copy did not count on");
        Assert.Equal("THAWED", File.ReadAllText(Path.Combine("/sys/fs/cgroup/freezer" + Procs.Cgroup(outcome.HostPid, "freezer"), "freezer.state")).Trim());
        Assert.Equal("FROZEN", File.ReadAllText(state).Trim());
    }

    [Fact]
    public async Task Restore_Should_KeepInNamespacePids_When_TwoCopiesRunTogether()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "twins", leaveRunning: false), new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);

        var first = TestEngines.RestoreOf("twins");
        var second = TestEngines.RestoreOf("twins");
        var outcomes = await Task.WhenAll(engines.Restores.RestoreAsync(first, CancellationToken.None), engines.Restores.RestoreAsync(second, CancellationToken.None));
        foreach (var outcome in outcomes)
        {
            copies.Track(outcome.HostPid);
        }

        Assert.NotEqual(outcomes[0].HostPid, outcomes[1].HostPid);
        Assert.Equal(outcomes[0].NamespacePid, outcomes[1].NamespacePid);
        Assert.Equal(InNamespacePids(outcomes[0].HostPid), InNamespacePids(outcomes[1].HostPid));
        Assert.NotEqual(Procs.Namespace(outcomes[0].HostPid, "pid"), Procs.Namespace(outcomes[1].HostPid, "pid"));
        Assert.NotEqual(Procs.Cgroup(outcomes[0].HostPid, "memory"), Procs.Cgroup(outcomes[1].HostPid, "memory"));
        var a = await Counter.WaitForFileAsync(engines.OutputOf(first), v => v.Count >= 3, Patience);
        var b = await Counter.WaitForFileAsync(engines.OutputOf(second), v => v.Count >= 3, Patience);
        Assert.Equal(a[0], b[0]);
    }

    [Fact]
    public async Task Restore_Should_KeepAnEstablishedTcpConnection_When_CheckpointedWithTcpEstablished()
    {
        // A server and a client in the workload's own network namespace, talking over loopback: the
        // client streams numbers through the connection and the server prints what it receives.
        const string script = "sleep 100000 | nc -l -p 7000 &\nsleep 0.3\ni=0\nwhile :; do i=$((i+1)); echo $i; sleep 0.05; done | nc 127.0.0.1 7000\n";
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 5, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "tcp", leaveRunning: false, tcpEstablished: true), new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
        var atDump = Counter.Last(workload.Stdout);

        var command = TestEngines.RestoreOf("tcp");
        var outcome = await engines.Restores.RestoreAsync(command, CancellationToken.None);
        copies.Track(outcome.HostPid);

        var received = await Counter.WaitForFileAsync(engines.OutputOf(command), v => v.Count >= 5, Patience);
        Assert.Equal(atDump + 1, received[0]);
    }

    [Fact]
    public async Task Restore_Should_ContinueAPlainProcess_When_ItSharedTheHostsMountAndNetworkNamespaces()
    {
        // setsid inside the PID namespace: CRIU needs the session leader in the tree.
        await using var workload = await PlainWorkload.StartAsync(new PlainSpec { Script = "exec setsid /bin/sh -c '" + Counter.Script + "'" }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.RootPid, "plain", leaveRunning: false), new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
        var atDump = Counter.Last(workload.Stdout);
        Assert.Null(Assert.Single(engines.Store.List()).Manifest.Source.RootPath);

        var command = TestEngines.RestoreOf("plain");
        var outcome = await engines.Restores.RestoreAsync(command, CancellationToken.None);
        copies.Track(outcome.HostPid);

        var restored = await Counter.WaitForFileAsync(engines.OutputOf(command), v => v.Count >= 3, Patience);
        Assert.Equal(atDump + 1, restored[0]);
        Assert.Equal(1, outcome.NamespacePid);
        Assert.Equal(Procs.Namespace(Environment.ProcessId, "mnt"), Procs.Namespace(outcome.HostPid, "mnt"));
        Assert.Equal(Procs.Namespace(Environment.ProcessId, "net"), Procs.Namespace(outcome.HostPid, "net"));
    }

    [Fact]
    public async Task Restore_Should_ContinueAShellJobOnANewTerminal_When_TheTreeHadAControllingTerminal()
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script, Tty = true }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "tty", leaveRunning: false), new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
        var atDump = Counter.Last(workload.Stdout);
        var manifest = Assert.Single(engines.Store.List()).Manifest;
        Assert.True(manifest.Options.ShellJob);
        Assert.StartsWith("tty[", manifest.Source.TerminalKey, StringComparison.Ordinal);

        var command = TestEngines.RestoreOf("tty");
        var outcome = await engines.Restores.RestoreAsync(command, CancellationToken.None);
        copies.Track(outcome.HostPid);

        // The copy writes to a new terminal, whose output the engine copies into the copy's output file.
        var restored = await Counter.WaitForFileAsync(engines.OutputOf(command), v => v.Count >= 3, Patience);
        Assert.InRange(restored[0], atDump, atDump + 1);
        Assert.Equal(1, outcome.NamespacePid);
        Assert.StartsWith("/dev/pts/", new FileInfo($"/proc/{outcome.HostPid}/fd/1").LinkTarget, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("missing")]
    public async Task Restore_Should_RefuseAndNameTheFile_When_AnImageIsCorruptedOrMissing(string damage)
    {
        await using var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, "damaged"), new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
        var checkpoint = Assert.Single(engines.Store.List());
        var pages = Directory.EnumerateFiles(checkpoint.ImagesDirectory, "pages-*.img").OrderByDescending(f => new FileInfo(f).Length).First();
        var relative = Path.GetRelativePath(checkpoint.Directory, pages);
        if (damage == "flip")
        {
            FileDamage.FlipByte(pages, new FileInfo(pages).Length / 2, 0x01);
        }
        else
        {
            File.Delete(pages);
        }
        var before = Procs.Tree(1).Count;

        var error = await Assert.ThrowsAsync<CheckpointCorruptedException>(() => engines.Restores.RestoreAsync(TestEngines.RestoreOf("damaged"), CancellationToken.None));

        Assert.Equal(relative, error.RelativePath);
        Assert.Contains(relative, error.Message, StringComparison.Ordinal);
        Assert.Single(engines.Store.List());
        Assert.Empty(RestoredCgroupsWithProcesses(engines));
        Assert.InRange(Procs.Tree(1).Count, 0, before + 5);
    }

    [Fact]
    public async Task Restore_Should_HoldTheCopyFrozenWithoutAGate_When_TheTreeWasDumpedFrozen()
    {
        var (observer, manifest) = await RestoreObservedAsync("held");

        // CRIU made the copy's freezer cgroup and froze it before letting go: nothing ran before the
        // verification, without an action script. Then the engine thawed it, and it counted on.
        Assert.True(manifest.Options.FrozenBeforeDump);
        Assert.Null(observer.ActionScript);
        Assert.Equal("FROZEN", observer.FreezerStateAfterCriu);
    }

    [Fact]
    public async Task Restore_Should_GateTheCopy_When_TheManifestDoesNotSayTheTreeWasDumpedFrozen()
    {
        // As a manifest written before the field existed reads.
        var (observer, manifest) = await RestoreObservedAsync("older",
            json => json.Replace("\"frozenBeforeDump\": true", "\"frozenBeforeDump\": false", StringComparison.Ordinal));

        Assert.False(manifest.Options.FrozenBeforeDump);
        Assert.NotNull(observer.ActionScript);
        Assert.Equal("THAWED", observer.FreezerStateAfterCriu);
    }

    [Fact]
    public async Task Restore_Should_EndTheCopy_When_TheEngineFailsAfterCriuRestoredIt()
    {
        using var losing = new TestEngines(criu => new PidfileLosingCriu(criu));
        await using var workload = await CheckpointedCounterAsync(losing, "lost");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => losing.Restores.RestoreAsync(TestEngines.RestoreOf("lost"), CancellationToken.None));

        Assert.Contains("wrote no pidfile", error.Message, StringComparison.Ordinal);
        Assert.Empty(RestoredCgroupsWithProcesses(losing));
        Assert.Single(losing.Store.List());
    }

    /// <summary>A counter workload that has counted to 3, checkpointed as <paramref name="name"/>.</summary>
    private static async Task<ContainerWorkload> CheckpointedCounterAsync(TestEngines engines, string name)
    {
        var workload = await ContainerWorkload.StartAsync(new ContainerSpec { Script = Counter.Script }, CancellationToken.None);
        try
        {
            await workload.WaitForOutputAsync(o => Counter.Last(o) >= 3, Patience, CancellationToken.None);
            await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(workload.InitPid, name), new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
            return workload;
        }
        catch
        {
            await workload.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Checkpoints a counter, optionally edits the manifest, restores it through CRIU watched by a
    /// <see cref="FreezerObservingCriu"/>, and waits until the copy counts on.
    /// </summary>
    private static async Task<(FreezerObservingCriu Observer, CheckpointManifest Manifest)> RestoreObservedAsync(string name, Func<string, string>? editManifest = null)
    {
        var observer = (FreezerObservingCriu)null!;
        using var observed = new TestEngines(criu => observer = new FreezerObservingCriu(criu));
        await using var workload = await CheckpointedCounterAsync(observed, name);
        if (editManifest is not null)
        {
            var path = Path.Combine(Assert.Single(observed.Store.List()).Directory, CheckpointManifest.FileName);
            await File.WriteAllTextAsync(path, editManifest(await File.ReadAllTextAsync(path)));
        }
        await using var copies = new RestoredCopies(observed);

        var command = TestEngines.RestoreOf(name);
        var outcome = await observed.Restores.RestoreAsync(command, CancellationToken.None);
        copies.Track(outcome.HostPid);

        await Counter.WaitForFileAsync(observed.OutputOf(command), v => v.Count >= 2, Patience);
        return (observer, Assert.Single(observed.Store.List()).Manifest);
    }

    private static IEnumerable<string> RestoredCgroupsWithProcesses(TestEngines engines)
    {
        var parent = Path.Combine(HarnessCgroups.Root, "pids", engines.Options.RestoreCgroupParent);
        return Directory.Exists(parent)
            ? Directory.EnumerateDirectories(parent).Where(d => File.ReadAllText(Path.Combine(d, "cgroup.procs")).Trim().Length > 0)
            : [];
    }

    /// <summary>The in-namespace PIDs of the root and its long-lived children (the counter's sleeps come and go).</summary>
    private static IReadOnlyList<int> InNamespacePids(int root) =>
        Procs.Tree(root).Where(p => Procs.IsAlive(p) && !IsSleep(p)).Select(p => Procs.NamespacePids(p)[^1]).Order().ToList();

    private static bool IsSleep(int pid) =>
        !File.Exists($"/proc/{pid}/cmdline") || File.ReadAllText($"/proc/{pid}/cmdline").StartsWith("sleep", StringComparison.Ordinal);
}
