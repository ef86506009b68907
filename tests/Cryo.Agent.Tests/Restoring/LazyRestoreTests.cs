using System.Diagnostics;
using Cryo.Agent.Metrics;
using Cryo.Agent.Restoring.Lazy;
using Cryo.Criu.Capabilities;
using Cryo.Testing.Agent.Harness;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace Cryo.Agent.Tests.Restoring;

/// <summary>
/// Lazy restores with the real CRIU: <c>criu lazy-pages</c> serving a memhog's images to a copy that runs before
/// its memory arrived. memhog's SIGWINCH answer touches none of its big allocation; its SIGUSR1 answer reads all of it.
/// </summary>
[Collection(LazyPagesCollection.Name)]
public sealed class LazyRestoreTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TestEngines engines = new();
    private RestoredCopies copies = null!;

    public async Task InitializeAsync()
    {
        copies = new RestoredCopies(engines);
        await engines.LazyTransfers.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await copies.DisposeAsync();
        await engines.LazyTransfers.StopAsync(CancellationToken.None);
    }

    public void Dispose() => engines.Dispose();

    private static async Task<string> ScrapeAsync(AgentMetrics metrics)
    {
        using var text = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(text);
        return System.Text.Encoding.UTF8.GetString(text.ToArray());
    }

    [Fact]
    public async Task LazyRestore_Should_AnswerBeforeItsMemoryArrivedAndHoldItIntactAfter_When_EveryPageWasServed()
    {
        var (original, checksum) = await CheckpointedHogAsync(engines, 256);
        await using var workload = original;

        var (outcome, output) = await RestoreLazilyAsync(engines, copies, "hog");
        string alive;
        try
        {
            alive = await Memhog.AskAsync(outcome.HostPid, "WINCH", "alive", output, Patience);
        }
        catch (TimeoutException e)
        {
            var daemon = LazyPagesDaemon.ReadPid(outcome.WorkDirectory!, LazyPagesSupervisor.DaemonPidFile);
            throw new TimeoutException($"{e.Message}; daemon {(daemon is { } d ? Memhog.Describe(d) : "unknown")}; {SmallFilesOf(outcome.WorkDirectory!)}");
        }
        var status = await WaitForTransferAsync(outcome);
        var restoredChecksum = await Memhog.AskAsync(outcome.HostPid, "USR1", "check", output, Patience);

        Assert.True(outcome.Lazy);
        Assert.Null(outcome.LazyFallbackReason);
        Assert.Equal("1", alive);
        Assert.Equal(0, status);
        Assert.Equal(checksum, restoredChecksum);
    }

    [Fact]
    public async Task LazyRestore_Should_ServeThePagesOfEveryLevel_When_TheCheckpointIsAnIncrementOfALiveOne()
    {
        // Arrange: what a precopy Migration restores: a live checkpoint, a tenth of the pages changed, then the final one
        // (stopped) as an increment of it, which stores only what changed and leaves the rest to its parent.
        var (original, _) = await Memhog.StartAsync(128, CancellationToken.None, patience: Patience);
        await using var workload = original;
        await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(original.InitPid, "live"), new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
        var changed = await Memhog.ChangeAsync(original, CancellationToken.None);
        var final = await engines.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(original.InitPid, "final", leaveRunning: false) with { ParentCheckpoint = "live" },
            new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);

        // Act
        var (outcome, output) = await RestoreLazilyAsync(engines, copies, "final");
        var alive = await Memhog.AskAsync(outcome.HostPid, "WINCH", "alive", output, Patience);
        var status = await WaitForTransferAsync(outcome);
        var restoredChecksum = await Memhog.AskAsync(outcome.HostPid, "USR1", "check", output, Patience);

        // Assert: restored lazily from the chain, every page (the increment's and its parent's) served, the memory as changed.
        Assert.Equal(2, final.ChainLength);
        Assert.True(outcome.Lazy, outcome.LazyFallbackReason);
        Assert.Equal("1", alive);
        Assert.Equal(0, status);
        Assert.Equal(changed, restoredChecksum);
    }

    [Fact]
    public async Task LazyRestore_Should_KillTheCopyRatherThanLeaveItHangingOrOnZeroes_When_ThePageServerIsKilledMidTransfer()
    {
        var (original, _) = await CheckpointedHogAsync(engines, 512);
        await using var workload = original;
        // Held mid-transfer however fast the machine is: the daemon gets a tenth of a CPU.
        using var slow = LazyDaemonStopper.Throttle(engines.Options.LazyPagesCgroupParent, 10);
        var (outcome, _) = await RestoreLazilyAsync(engines, copies, "hog");
        var daemon = LazyPagesDaemon.ReadPid(outcome.WorkDirectory!, LazyPagesSupervisor.DaemonPidFile)!.Value;
        var daemonCgroup = Procs.Cgroup(daemon, "freezer");

        Assert.True(Cryo.Agent.Containers.ProcessKiller.Kill(daemon), "the daemon was gone before it could be killed");
        // The copy now faults on pages nobody serves: it must end, not wait forever nor run on zero-filled memory.
        var status = await WaitForTransferAsync(outcome);
        var gone = await WaitGoneAsync(outcome.HostPid, TimeSpan.FromSeconds(15));

        Assert.StartsWith("/" + engines.Options.LazyPagesCgroupParent + "/", daemonCgroup, StringComparison.Ordinal);
        Assert.NotEqual(0, status);
        Assert.True(gone, $"the restored copy (PID {outcome.HostPid}) outlived its page server");
    }

    [Fact]
    public async Task LazyTransfers_Should_KillTheCopy_When_AFreshAgentFindsATransferWhosePageServerDiedWithoutAWord()
    {
        var (original, _) = await CheckpointedHogAsync(engines, 512);
        await using var workload = original;
        // This agent stops before the restore (nothing watches the transfer but its supervisor); both then die at
        // once, as when their cgroup is killed.
        await engines.LazyTransfers.StopAsync(CancellationToken.None);
        using var slow = LazyDaemonStopper.Throttle(engines.Options.LazyPagesCgroupParent, 10);
        var (outcome, _) = await RestoreLazilyAsync(engines, copies, "hog");
        var daemon = LazyPagesDaemon.ReadPid(outcome.WorkDirectory!, LazyPagesSupervisor.DaemonPidFile)!.Value;
        Cryo.Agent.Containers.ProcessKiller.Kill(LazyPagesDaemon.ReadPid(outcome.WorkDirectory!, LazyPagesSupervisor.SupervisorPidFile)!.Value);
        Cryo.Agent.Containers.ProcessKiller.Kill(daemon);

        var metrics = new AgentMetrics(new CollectorRegistry());
        var nextAgent = new LazyTransfers(TestEngines.CriuPath, _ => Task.FromResult<CriuCapabilities?>(null), new ProcFs(),
            Microsoft.Extensions.Options.Options.Create(engines.Options), NullLogger<LazyTransfers>.Instance, metrics);
        var before = await ScrapeAsync(metrics);
        await nextAgent.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(await WaitGoneAsync(outcome.HostPid, TimeSpan.FromSeconds(15)), $"the restored copy (PID {outcome.HostPid}) outlived its page server and the next agent");
            Assert.NotEqual(0, LazyPagesDaemon.ReadExitCode(outcome.WorkDirectory!));
            // The loss is counted, so an alert on the counter's increase sees it (exported at 0 before it happened).
            Assert.Contains("cryo_agent_lazy_pages_lost_total{reason=\"page_server_gone\"} 0", before, StringComparison.Ordinal);
            Assert.Contains("cryo_agent_lazy_pages_lost_total{reason=\"page_server_gone\"} 1", await ScrapeAsync(metrics), StringComparison.Ordinal);
        }
        finally
        {
            await nextAgent.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task LazyRestore_Should_RestoreEagerlyAndSayWhy_When_TheKernelLacksUserfaultfd()
    {
        using var eagerOnly = new TestEngines(criu => new NoUserfaultfdCriu(criu));
        await using var eagerCopies = new RestoredCopies(eagerOnly);
        var (original, checksum) = await CheckpointedHogAsync(eagerOnly, 16);
        await using var workload = original;

        var (outcome, output) = await RestoreLazilyAsync(eagerOnly, eagerCopies, "hog");
        var restoredChecksum = await Memhog.AskAsync(outcome.HostPid, "USR1", "check", output, Patience);

        Assert.False(outcome.Lazy);
        Assert.Contains("userfaultfd", outcome.LazyFallbackReason, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(outcome.WorkDirectory!, LazyPagesSupervisor.SupervisorPidFile)));
        Assert.Equal(checksum, restoredChecksum);
    }

    /// <summary>
    /// A memhog of <paramref name="sizeMib"/> MiB checkpointed as "hog" by <paramref name="on"/>'s engine, the dump
    /// ending its tree. The caller disposes it after the restore: a standalone copy restores onto its root filesystem.
    /// </summary>
    private static async Task<(ContainerWorkload Workload, string Checksum)> CheckpointedHogAsync(TestEngines on, int sizeMib)
    {
        var (original, checksum) = await Memhog.StartAsync(sizeMib, CancellationToken.None, patience: Patience);
        try
        {
            await on.Checkpoints.CheckpointAsync(TestEngines.CheckpointOf(original.InitPid, "hog", leaveRunning: false), new RecordingProgress<Operations.CheckpointStage>(), CancellationToken.None);
            return (original, checksum);
        }
        catch
        {
            await original.DisposeAsync();
            throw;
        }
    }

    /// <summary>Asks <paramref name="on"/>'s engine to restore <paramref name="name"/> lazily; the copy is killed with <paramref name="copies"/>. Its outcome and the file its output goes to.</summary>
    private static async Task<(Operations.RestoreOutcome Outcome, string Output)> RestoreLazilyAsync(TestEngines on, RestoredCopies copies, string name)
    {
        var command = TestEngines.RestoreOf(name) with { Lazy = true };
        var outcome = await on.Restores.RestoreAsync(command, CancellationToken.None);
        copies.Track(outcome.HostPid);
        return (outcome, on.OutputOf(command));
    }

    // What a timed-out wait says about the transfer: the small files of its work directory (pids, exit codes, logs).
    private static string SmallFilesOf(string workDirectory) =>
        string.Join("; ", Directory.EnumerateFiles(workDirectory).Where(f => !f.EndsWith(".socket", StringComparison.Ordinal) && new FileInfo(f).Length < 4000)
            .Select(f => $"{Path.GetFileName(f)}: {File.ReadAllText(f).Trim()}"));

    private static async Task<int> WaitForTransferAsync(Operations.RestoreOutcome outcome)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            return await LazyTransfers.WaitAsync(outcome.WorkDirectory!, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            var work = outcome.WorkDirectory!;
            var daemon = LazyPagesDaemon.ReadPid(work, LazyPagesSupervisor.DaemonPidFile);
            var restoreLog = string.Join(" | ", File.ReadLines(Path.Combine(work, "restore.log")).Where(l => l.Contains("lazy", StringComparison.OrdinalIgnoreCase) || l.Contains("uffd", StringComparison.OrdinalIgnoreCase)).Take(12));
            throw new TimeoutException($"the lazy transfer did not end within {Patience}: outcome lazy={outcome.Lazy} fallback={outcome.LazyFallbackReason}; restore.log: {restoreLog}; copy {Memhog.Describe(outcome.HostPid)}; daemon {(daemon is { } d ? Memhog.Describe(d) : "unknown")}; {SmallFilesOf(work)}");
        }
    }

    private static async Task<bool> WaitGoneAsync(int pid, TimeSpan patience)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < patience)
        {
            if (!Procs.IsAlive(pid))
            {
                return true;
            }
            await Task.Delay(50);
        }
        return false;
    }
}
