using System.Diagnostics;
using Cryo.Agent.Attempts;
using Cryo.Agent.Cgroups;
using Cryo.Agent.Containers;
using Cryo.Agent.Operations;
using Cryo.Agent.Recovery;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu;
using Cryo.Criu.Stats;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Checkpointing;

/// <summary>
/// Takes a checkpoint: resolves the tree, dumps it with CRIU into a temporary directory of the store
/// while hashing the images as they are written, writes the manifest, and commits by one atomic rename.
/// On any failure the tree is left running (thawed) and the temporary directory is removed.
/// </summary>
public sealed class CheckpointEngine(
    ImageStore store,
    ContainerResolver resolver,
    ICriu criu,
    CriuFacts facts,
    ProcFs procFs,
    IOptions<EngineOptions> options,
    ILogger<CheckpointEngine> logger) : ICheckpointEngine
{
    private readonly EngineOptions settings = options.Value;

    /// <inheritdoc />
    public async Task<CheckpointOutcome> CheckpointAsync(CheckpointCommand command, IProgress<CheckpointStage> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(progress);
        var started = Stopwatch.GetTimestamp();
        var key = new CheckpointKey(command.Namespace, command.Name, command.OperationId);
        RefuseIncremental(command);

        progress.Report(CheckpointStage.Resolving);
        var tree = await resolver.ResolveAsync(command.Source, cancellationToken).ConfigureAwait(false);
        // Before the store or the freezer is touched: a root that cannot be captured leaves nothing behind.
        var capture = FilesystemCapture.For(tree, command.SkipRootFilesystem);
        var version = await facts.GetVersionAsync(cancellationToken).ConfigureAwait(false);

        using var pending = store.Begin(key);
        // Read in the tree's UTS namespace by a short-lived nsenter: beside the dump when the tree outlives
        // it, before it otherwise (a dump without leaveRunning ends the tree). Started on the thread pool:
        // starting the process is synchronous, 1-4 ms that would delay the freeze and CRIU.
        var readingHostname = Task.Run(() => HostnameReader.ReadAsync(tree, cancellationToken), cancellationToken);
        if (!command.LeaveRunning)
        {
            await readingHostname.ConfigureAwait(false);
        }
        // Read before the dump: a dump without leaveRunning ends the tree.
        var terminalKey = tree.HasControllingTerminal ? TerminalKey.Of($"/proc/{tree.InitPid}/fd/0") : null;
        var sessionOutside = await SessionOutsideTreeAsync(tree, cancellationToken).ConfigureAwait(false);
        var plan = DumpPlan.For(tree, command, pending.ImagesDirectory, sessionOutside);

        progress.Report(plan.Freezer is null ? CheckpointStage.Dumping : CheckpointStage.Freezing);
        var (files, dump, filesystem) = await DumpAsync(plan, pending, tree, capture, command, progress, cancellationToken).ConfigureAwait(false);

        progress.Report(CheckpointStage.Committing);
        var hostname = await readingHostname.ConfigureAwait(false);
        var manifest = ManifestFactory.Create(key, tree, plan, command, files, dump, version, settings.NodeName, hostname, terminalKey, started);
        manifest.Filesystem = filesystem;
        var stored = await store.CommitAsync(pending, manifest, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("checkpoint {Namespace}/{Name} of {Source} committed at {Directory}: {Processes} processes, {Bytes} bytes, frozen {FrozenMs} ms",
            command.Namespace, command.Name, command.Source, stored.Directory, manifest.ProcessCount, stored.SizeBytes, manifest.Timings.FreezeMs);

        return new CheckpointOutcome(
            command.Namespace, command.Name,
            Path.GetRelativePath(store.RootDirectory, stored.Directory),
            stored.SizeBytes,
            TimeSpan.FromMilliseconds(manifest.Timings.FreezeMs),
            TimeSpan.FromMilliseconds(manifest.Timings.DumpMs),
            Stopwatch.GetElapsedTime(started),
            manifest.ProcessCount,
            version.ToString(),
            manifest.MemoryPagesBytes,
            manifest.CreatedAt);
    }

    /// <summary>
    /// Incremental chains need the kernel's soft-dirty memory tracking; this kernel family often lacks
    /// it (CONFIG_MEM_SOFT_DIRTY), and CRIU then fails late. Refuse early, saying why.
    /// </summary>
    private static void RefuseIncremental(CheckpointCommand command)
    {
        if (command.ParentCheckpoint is not null)
        {
            throw new FeatureUnavailableException("mem_dirty_track",
                $"checkpoint {command.Namespace}/{command.Name} names parent {command.ParentCheckpoint}, but incremental checkpoints are not supported by this agent yet: " +
                "they need CRIU's memory tracking (criu check --feature mem_dirty_track); take a full checkpoint instead");
        }
    }

    /// <summary>
    /// A root whose session leader lives outside the tree (a process started without setsid) can only be
    /// dumped as a shell job — and not at all when the tree has its own PID namespace, since CRIU cannot
    /// recreate a session whose leader it cannot number: say so, with the fix, before CRIU fails.
    /// </summary>
    private async Task<bool> SessionOutsideTreeAsync(ResolvedContainer tree, CancellationToken cancellationToken)
    {
        var stat = await procFs.ReadStatAsync(tree.InitPid, cancellationToken).ConfigureAwait(false);
        var outside = stat.Session == 0 || tree.Processes.All(p => p.HostPid != stat.Session);
        if (outside && tree.IsPidNamespaceInit && tree.InNamespacePid == 1)
        {
            throw new TreeNotCheckpointableException(tree.InitPid,
                $"the session leader of PID {tree.InitPid} (host PID {stat.Session}) is outside the tree's PID namespace, which CRIU cannot restore; " +
                "start the process with setsid inside its namespace (e.g. unshare -p -f setsid CMD)");
        }
        return outside;
    }

    /// <summary>How long a tree's tasks may take to stop once the engine freezes its cgroup (CRIU's own default).</summary>
    internal static readonly TimeSpan FreezeTimeout = TimeSpan.FromSeconds(10);

    private async Task<(IReadOnlyList<ManifestFile> Files, DumpResult Dump, ManifestFilesystem Filesystem)> DumpAsync(
        DumpPlan plan, PendingCheckpoint pending, ResolvedContainer tree, FilesystemCapture? capture, CheckpointCommand command, IProgress<CheckpointStage> progress,
        CancellationToken cancellationToken)
    {
        var deadline = command.Timeout > TimeSpan.Zero ? command.Timeout : settings.DefaultTimeout;
        var recovery = await RecordForRecoveryAsync(plan, pending, tree, cancellationToken).ConfigureAwait(false);
        // The engine stops the tree itself (unless it is paused already) and keeps it stopped until the
        // dump and the capture are both done: CRIU, handed a frozen cgroup, seizes it at once and leaves it frozen.
        var ownFreezer = plan.Freezer is not null && recovery.Freezer is { WasFrozen: false } ? plan.Freezer : null;
        var frozenAt = Stopwatch.GetTimestamp();
        // Without a freezer only CRIU holds the tree still: capture at its post-dump action, behind a gate.
        var workDirectory = capture is null || plan.Freezer is not null ? null : OperationDirectory.Create(settings, "checkpoints", command.OperationId);
        var gate = workDirectory is null ? null : ActionScriptGate.Create(workDirectory, "post-dump", deadline);
        var options = gate is null ? plan.Options : plan.Options with { ActionScript = gate.ScriptPath };
        using var stopCapture = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<(ManifestFilesystem, IReadOnlyList<ManifestFile>)> captured = Task.FromResult<(ManifestFilesystem, IReadOnlyList<ManifestFile>)>((new ManifestFilesystem(), []));
        var thawed = false;
        try
        {
            if (ownFreezer is not null)
            {
                await FreezeAsync(ownFreezer, command, cancellationToken).ConfigureAwait(false);
            }
            if (capture is not null)
            {
                captured = gate is not null ? CaptureWhileFrozenAsync(capture, gate, pending.Directory, stopCapture.Token)
                    // The tree stays stopped until the engine thaws it: capture beside CRIU (from the thread
                    // pool: its first steps are synchronous, ~3 ms before CRIU could start). A dump without
                    // leaveRunning ends the tree as CRIU finishes, so its files are captured first.
                    : command.LeaveRunning ? Task.Run(() => capture.CaptureAsync(pending.Directory, stopCapture.Token), stopCapture.Token)
                    : Task.FromResult(await capture.CaptureAsync(pending.Directory, stopCapture.Token).ConfigureAwait(false));
            }
            // Hash the images while CRIU writes them: hashing after the dump would add a second full pass
            // over every page to the checkpoint's duration.
            var hasher = pending.StartHashingImages(cancellationToken);
            await using (hasher.ConfigureAwait(false))
            {
                CriuRunResult run;
                try
                {
                    progress.Report(CheckpointStage.Dumping);
                    run = await criu.DumpAsync(options, plan.Launch, deadline, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is CriuException or OperationCanceledException)
                {
                    // Before the thaw: a tree that CRIU left frozen cannot touch its sockets while they are repaired.
                    var released = await ReleaseNetworkLockAsync(recovery.NetworkLock, command).ConfigureAwait(false);
                    await stopCapture.CancelAsync().ConfigureAwait(false);
                    // A capture that failed is why CRIU's post-dump action failed: report that cause.
                    var cause = await FailureOf(captured).ConfigureAwait(false);
                    thawed = true;
                    LeaveRunning(plan, recovery, command, e);
                    if (released is { Status: NetworkLockReleaseStatus.Failed } failed)
                    {
                        var failure = cause ?? e;
                        throw new NetworkLockLeftException($"checkpoint {command.Namespace}/{command.Name} failed: {failure.Message}; and {failed.Detail}", failed, failure);
                    }
                    if (cause is not null)
                    {
                        throw cause;
                    }
                    throw;
                }
                var (filesystem, archives) = await captured.ConfigureAwait(false);
                TimeSpan? frozenFor = null;
                if (ownFreezer is not null)
                {
                    thawed = true;
                    ownFreezer.Thaw();
                    frozenFor = Stopwatch.GetElapsedTime(frozenAt);
                }
                // The dump is over and the tree given back: nothing to undo any more, and the record is no part of the checkpoint.
                DumpRecoveryRecord.Delete(pending.Directory);
                var files = await hasher.CompleteAsync(cancellationToken).ConfigureAwait(false);
                var stats = CriuStatisticsReader.ReadDump(plan.Options.ImagesDirectory);
                return ([.. files, .. archives], new DumpResult(run.Duration, stats, frozenFor), filesystem);
            }
        }
        catch (Exception e) when (!thawed)
        {
            // A freeze that did not complete, a capture that failed (before or beside CRIU), or anything else
            // after the freeze: give the tree back.
            await stopCapture.CancelAsync().ConfigureAwait(false);
            await FailureOf(captured).ConfigureAwait(false);
            LeaveRunning(plan, recovery, command, e);
            throw;
        }
        finally
        {
            if (workDirectory is not null)
            {
                Directory.Delete(workDirectory, recursive: true);
            }
        }
    }

    /// <summary>
    /// Stops the tree through its cgroup before CRIU starts. A tree whose tasks do not all stop in time
    /// (one in an uninterruptible wait, such as on a hung network mount) is refused as transient trouble;
    /// the caller thaws it (<see cref="LeaveRunning"/>), so the workload keeps running and a later attempt
    /// may succeed.
    /// </summary>
    private static async Task FreezeAsync(CgroupFreezer freezer, CheckpointCommand command, CancellationToken cancellationToken)
    {
        if (await freezer.FreezeAsync(FreezeTimeout, cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        var tasks = freezer.Tasks();
        throw new TransientAgentException(
            $"checkpoint {command.Namespace}/{command.Name}: the tasks of {freezer.Directory} did not all stop within {FreezeTimeout.TotalSeconds:0} s " +
            $"(threads {string.Join(", ", tasks.Take(10))}{(tasks.Count > 10 ? ", …" : "")}; one may be in an uninterruptible wait, e.g. on a hung network mount); " +
            "the workload was thawed and keeps running: retry later",
            FreezeTimeout);
    }

    private static async Task<(ManifestFilesystem, IReadOnlyList<ManifestFile>)> CaptureWhileFrozenAsync(
        FilesystemCapture capture, ActionScriptGate gate, string checkpointDirectory, CancellationToken cancellationToken)
    {
        await gate.WaitUntilReachedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await capture.CaptureAsync(checkpointDirectory, cancellationToken).ConfigureAwait(false);
            gate.Open();
            return result;
        }
        catch
        {
            gate.Refuse();
            throw;
        }
    }

    private static async Task<Exception?> FailureOf(Task captured)
    {
        try
        {
            await captured.ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>
    /// CRIU freezes the tree and, with tcpEstablished, blocks its connections; a CRIU killed with the agent
    /// undoes neither. Record what undoing them takes before CRIU starts, so that a failed dump, or the next
    /// agent after a crash (<see cref="Recovery.StoreRecovery"/>), gives the workload back.
    /// </summary>
    private async Task<DumpRecoveryRecord> RecordForRecoveryAsync(DumpPlan plan, PendingCheckpoint pending, ResolvedContainer tree, CancellationToken cancellationToken)
    {
        var record = await DumpRecoveryRecord.ForAsync(procFs, tree, plan, cancellationToken).ConfigureAwait(false);
        await record.WriteAsync(pending.Directory, cancellationToken).ConfigureAwait(false);
        return record;
    }

    /// <summary>
    /// A failed or killed dump must not leave the workload's connections blocked. When the lock cannot be
    /// removed the operation fails saying so (and how to remove it), with the dump's failure inside.
    /// </summary>
    private async Task<NetworkLockReleaseResult?> ReleaseNetworkLockAsync(NetworkLockRecord? record, CheckpointCommand command)
    {
        if (record is null)
        {
            return null;
        }
        // The operation's token may be what ended the dump: the release runs under its own deadlines instead.
        return await new NetworkLockRelease(procFs, logger).ReleaseAsync(record, $"checkpoint {command.Namespace}/{command.Name}", CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// A failed or killed dump must not leave the workload frozen — unless it was frozen before the dump
    /// (a paused container): that freeze is someone else's, as at the next start (<see cref="InterruptedDumpRecovery"/>).
    /// </summary>
    private void LeaveRunning(DumpPlan plan, DumpRecoveryRecord recovery, CheckpointCommand command, Exception failure)
    {
        if (plan.Freezer is null || recovery.Freezer is { WasFrozen: true })
        {
            return;
        }
        try
        {
            if (plan.Freezer.IsFrozen())
            {
                plan.Freezer.Thaw();
                logger.LogWarning("checkpoint {Namespace}/{Name} failed ({Reason}); thawed {Freezer}: the workload keeps running",
                    command.Namespace, command.Name, failure.Message, plan.Freezer.Directory);
            }
        }
        catch (IOException e)
        {
            logger.LogError(e, "checkpoint {Namespace}/{Name}: could not thaw {Freezer}; thaw it with: {Command}",
                command.Namespace, command.Name, plan.Freezer.Directory, plan.Freezer.ThawCommand);
        }
    }
}
