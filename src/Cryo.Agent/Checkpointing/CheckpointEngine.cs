using System.Diagnostics;
using Cryo.Agent.Attempts;
using Cryo.Agent.Cgroups;
using Cryo.Agent.Containers;
using Cryo.Agent.Operations;
using Cryo.Agent.Recovery;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Compression;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu;
using Cryo.Criu.Images;
using Cryo.Criu.Stats;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Checkpointing;

/// <summary>
/// Takes a checkpoint: resolves the tree, dumps it with CRIU into a temporary directory of the store
/// while hashing the images as they are written, writes the manifest, and commits by one atomic rename.
/// On any failure the tree is left running (thawed) and the temporary directory is removed: each step that
/// changes the node registers its undo in the attempt's <see cref="OperationScope"/>.
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
    /// <summary>How long a tree's tasks may take to stop once the engine freezes its cgroup (CRIU's own default).</summary>
    internal static readonly TimeSpan FreezeTimeout = TimeSpan.FromSeconds(10);

    private readonly EngineOptions settings = options.Value;

    /// <inheritdoc />
    public Task<CheckpointOutcome> CheckpointAsync(CheckpointCommand command, IProgress<CheckpointStage> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(progress);
        return OperationScope.RunAsync($"checkpoint {command.Namespace}/{command.Name}", logger,
            scope => CheckpointAsync(scope, command, progress, cancellationToken));
    }

    private async Task<CheckpointOutcome> CheckpointAsync(OperationScope scope, CheckpointCommand command, IProgress<CheckpointStage> progress, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var key = new CheckpointKey(command.Namespace, command.Name, command.OperationId);
        // Soft-dirty tracking decides how increments are made; every dump tracks where it can, so that any
        // checkpoint can be a parent of CRIU's own kind.
        var memoryTracking = await facts.HasMemoryTrackingAsync(cancellationToken);
        var increment = IncrementPlan.For(store, command, memoryTracking);
        var keepFlatCopy = KeepsFlatCopy(increment, command);

        progress.Report(CheckpointStage.Resolving);
        var tree = await resolver.ResolveAsync(command.Source, cancellationToken);
        // Before the store or the freezer is touched: a root that cannot be captured leaves nothing behind.
        var capture = FilesystemCapture.For(tree, command.SkipRootFilesystem);
        var version = await facts.GetVersionAsync(cancellationToken);
        // Asked of CRIU once per agent, before anything is frozen.
        var cpuinfo = await facts.GetCpuinfoAsync(cancellationToken);

        var pending = store.Begin(key);
        scope.OnFailure("remove the uncommitted checkpoint", _ => pending.Dispose());
        // Read in the tree's UTS namespace by a short-lived nsenter: beside the dump when the tree outlives
        // it, before it otherwise (a dump without leaveRunning ends the tree). Started on the thread pool:
        // starting the process is synchronous, 1-4 ms that would delay the freeze and CRIU.
        var readingHostname = Task.Run(() => HostnameReader.ReadAsync(tree, cancellationToken), cancellationToken);
        if (!command.LeaveRunning)
        {
            await readingHostname;
        }
        // Read before the dump: a dump without leaveRunning ends the tree.
        var terminalKey = tree.HasControllingTerminal ? TerminalKey.Of($"/proc/{tree.InitPid}/fd/0") : null;
        var sessionOutside = await SessionOutsideTreeAsync(tree, cancellationToken);
        var plan = DumpPlan.For(tree, command, pending.ImagesDirectory, sessionOutside, memoryTracking, increment);
        if (increment is { Method: ManifestIncrement.ContentBased } && !command.LeaveRunning)
        {
            // The workload is stopped for this one: let CRIU write its pages into memory the parent's cache frees. Only by
            // content: that rewrite reads the parent's page index, while CRIU's own increments resolve its pages to index them.
            ParentPageCache.Release(increment.Parent, logger);
        }
        // Read while CRIU dumps: nothing in it depends on the dump, and the commit then need not wait for it.
        var parentIndex = increment is { Method: ManifestIncrement.ContentBased }
            ? Task.Run(() => ContentIncrement.ReadParentIndex(increment.Parent, logger), cancellationToken)
            : Task.FromResult<PageHashIndex?>(null);
        // The changed pages, copied beside CRIU from the digests the hasher makes as it writes (issue 14): the rewrite after
        // the dump then only rewrites the pagemaps, when the dump's layout is the parent's.
#pragma warning disable CA2000 // Disposed by the failure step below, or beside the commit once the rewrite took what it wanted (IndexPagesAsync).
        var early = increment is { Method: ManifestIncrement.ContentBased } ? EarlyChangedPages.Start(store, key, parentIndex, logger) : null;
#pragma warning restore CA2000
        if (early is not null)
        {
            scope.OnFailure("remove the pages copied beside the dump", _ => early.Dispose());
        }

        progress.Report(plan.Freezer is null ? CheckpointStage.Dumping : CheckpointStage.Freezing);
        var (files, dump, filesystem, pageDigests) = await DumpAsync(scope, plan, pending, tree, capture, command, early, progress, cancellationToken);

        progress.Report(CheckpointStage.Committing);
        // The commit's steps, timed at Debug: what an increment adds to a checkpoint's time is found here (issue 14).
        var committing = Stopwatch.GetTimestamp();
        var (made, pageIndex, flatCopy, written) = await IndexPagesAsync(pending, increment, await parentIndex, pageDigests, files, keepFlatCopy, early, cancellationToken);
        IReadOnlyList<ManifestFile> kept = [.. made is null ? files : WithoutRewrittenImages(files, pending), .. written, pageIndex];
        var compression = ImageCompression.IsCompressed(command.Compression) ? command.Compression : null;
        if (compression is not null)
        {
            kept = await CompressPagesAsync(pending, kept, command, cancellationToken);
        }
        var hostname = await readingHostname;
        var manifest = ManifestFactory.Create(key, tree, plan, command, kept, dump, version,
            settings.NodeName, hostname, terminalKey, started);
        manifest.Filesystem = filesystem;
        manifest.Options.Compression = compression;
        if (cpuinfo is { } cpu)
        {
            manifest.Extra[ManifestExtraKeys.CriuCpuinfo] = Convert.ToBase64String(cpu);
        }
        if (made is not null)
        {
            manifest.Increment = made;
            manifest.FlatCopy = flatCopy;
        }
        var indexed = Stopwatch.GetTimestamp();
        var stored = await store.CommitAsync(pending, manifest, cancellationToken);
        var committed = Stopwatch.GetTimestamp();
        if (made is not null)
        {
            // This increment's full images supersede what its parents kept of the chain as it was.
            FlatCopies.DropAncestors(store, stored, logger);
        }
        logger.LogDebug("checkpoint {Namespace}/{Name}: index and rewrite {IndexMs:0} ms (rewrite {RewriteMs:0} ms), store commit {CommitMs:0} ms, flat copies dropped {DropMs:0} ms",
            command.Namespace, command.Name, Stopwatch.GetElapsedTime(committing, indexed).TotalMilliseconds, made?.RewriteMs ?? 0,
            Stopwatch.GetElapsedTime(indexed, committed).TotalMilliseconds, Stopwatch.GetElapsedTime(committed).TotalMilliseconds);
        logger.LogInformation("checkpoint {Namespace}/{Name} of {Source} committed at {Directory}: {Processes} processes, {Bytes} bytes, frozen {FrozenMs} ms{FlatCopy}",
            command.Namespace, command.Name, command.Source, stored.Directory, manifest.ProcessCount, stored.SizeBytes, manifest.Timings.FreezeMs,
            flatCopy is null ? "" : $"; CRIU's full images kept beside it as its flat copy for fast restores, {flatCopy.Bytes} bytes until a newer increment commits");

        return new CheckpointOutcome(
            command.Namespace, command.Name,
            Path.GetRelativePath(store.RootDirectory, stored.Directory),
            StoredSizes.LogicalBytes(stored),
            TimeSpan.FromMilliseconds(manifest.Timings.FreezeMs),
            TimeSpan.FromMilliseconds(manifest.Timings.DumpMs),
            Stopwatch.GetElapsedTime(started),
            manifest.ProcessCount,
            version.ToString(),
            manifest.MemoryPagesBytes,
            manifest.CreatedAt)
        {
            StoredBytes = stored.SizeBytes,
            Parent = made?.Parent.Name,
            ChainLength = made?.ChainLength ?? 1,
            IncrementMethod = made?.Method,
            Compression = compression,
            FlatCopyBytes = flatCopy?.Bytes ?? 0,
        };
    }

    /// <summary>
    /// Whether an increment made by content keeps CRIU's full images as its flat copy (<see cref="EngineOptions.KeepFlatCopy"/>):
    /// not when compressed at rest (the user chose bytes over speed), nor while the volume is short of room, when the copies
    /// other checkpoints keep go too.
    /// </summary>
    private bool KeepsFlatCopy(IncrementPlan? increment, CheckpointCommand command)
    {
        if (!settings.KeepFlatCopy)
        {
            return false;
        }
        if (!FlatCopies.HasRoom(store, settings.FlatCopyMinFreePercent))
        {
            FlatCopies.DropAll(store, logger);
            return false;
        }
        return increment?.Method == ManifestIncrement.ContentBased && !ImageCompression.IsCompressed(command.Compression);
    }

    /// <summary>
    /// Compresses the page images the checkpoint keeps (after an increment's rewrite: only its own pages), on every core,
    /// off the caller's thread; the compressed files' entries replace the plain ones', hashed as they were written.
    /// </summary>
    private async Task<IReadOnlyList<ManifestFile>> CompressPagesAsync(PendingCheckpoint pending, IReadOnlyList<ManifestFile> files, CheckpointCommand command,
        CancellationToken cancellationToken)
    {
        var (compressed, took) = await Task.Run(() => PagesCompressor.Compress(pending, Environment.ProcessorCount, cancellationToken), cancellationToken);
        logger.LogInformation("checkpoint {Namespace}/{Name}: compressed {Count} page images with zstd in {Ms:0} ms: {Plain} bytes to {Stored}",
            command.Namespace, command.Name, compressed.Count, took.TotalMilliseconds, compressed.Sum(f => f.PlainSize), compressed.Sum(f => f.Size));
        return [.. files.Where(file => !CriuImageFiles.IsPagesImage(Path.GetFileName(file.Path))), .. compressed];
    }

    /// <summary>
    /// Keeps the hash of every page the checkpoint resolves beside its manifest (<see cref="PendingCheckpoint.PageIndexPath"/>),
    /// from the digests made while CRIU wrote the pages: a later increment compares against it without reading this
    /// checkpoint's pages again. Written straight from those digests, run by run, and hashed as it is written, so the
    /// commit neither copies nor rereads it. Like CRIU's images synced at commit only when the store's policy says so
    /// (<see cref="ImageStoreOptions.SyncImageFiles"/>): no fsync of its own.
    /// </summary>
    /// <returns>
    /// For a checkpoint with a parent, how it builds on it (null for a full one); the index's manifest entry; the flat copy
    /// kept; and the entries of the pages images a rewrite wrote, where their digests were known.
    /// </returns>
    private Task<(ManifestIncrement? Made, ManifestFile Index, ManifestFlatCopy? FlatCopy, IReadOnlyList<ManifestFile> Written)> IndexPagesAsync(PendingCheckpoint pending, IncrementPlan? increment,
        PageHashIndex? parentIndex, IReadOnlyList<PagesImageDigests> pageDigests, IReadOnlyList<ManifestFile> dumpFiles, bool keepFlatCopy, EarlyChangedPages? early,
        CancellationToken cancellationToken) =>
        // Hashing and rewriting are CPU and disk work: off the caller's thread.
        Task.Run<(ManifestIncrement?, ManifestFile, ManifestFlatCopy?, IReadOnlyList<ManifestFile>)>(() =>
        {
            switch (increment?.Method)
            {
                case ManifestIncrement.ContentBased:
                    // CRIU's full pages images, replaced by the increment's, are removed beside the commit rather than before it.
                    var replaced = store.BeginScratch(pending.Key, "replaced");
                    try
                    {
                        var prepared = early?.Finish(logger, pending.Key) ?? [];
                        var (made, index, flatCopy, pagesWritten) = ContentIncrement.Make(pending, increment, parentIndex, pageDigests, prepared, replaced.Directory, dumpFiles,
                            keepFlatCopy, logger, cancellationToken);
                        return (made, pending.WritePageIndex(index), flatCopy, pagesWritten);
                    }
                    finally
                    {
                        replaced.DisposeBeside(logger);
                        early?.DisposeBeside(logger);
                    }
                case ManifestIncrement.CriuMemoryTracking:
                    // CRIU linked the parent as seen from where it wrote; the index reads through that link first.
                    var written = pending.WritePageIndex(PageHashIndex.Build(pending.ImagesDirectory, PageDigests.Instance, [.. pageDigests], cancellationToken));
                    return (CriuIncrement.Relink(pending, increment), written, null, []);
                default:
                    return (null, pending.WritePageIndex(PageHashIndex.Build(pending.ImagesDirectory, PageDigests.Instance, [.. pageDigests], cancellationToken)), null, []);
            }
        }, cancellationToken);

    /// <summary>
    /// The dump's digests without the pagemap and pages images a rewrite replaced or removed: the commit hashes what
    /// the rewrite wrote (the pages that changed, a few small pagemaps) from the files as they are now.
    /// </summary>
    private static List<ManifestFile> WithoutRewrittenImages(IReadOnlyList<ManifestFile> files, PendingCheckpoint pending) =>
    [
        .. files.Where(file =>
        {
            var name = Path.GetFileName(file.Path);
            return !CriuImageFiles.IsAnyPageMapImage(name)
                   && (!CriuImageFiles.IsPagesImage(name) || new FileInfo(Path.Combine(pending.Directory, file.Path)) is { Exists: true } info && info.Length == file.Size);
        }),
    ];

    /// <summary>
    /// A root whose session leader lives outside the tree (a process started without setsid) can only be
    /// dumped as a shell job — and not at all when the tree has its own PID namespace, since CRIU cannot
    /// recreate a session whose leader it cannot number: say so, with the fix, before CRIU fails.
    /// </summary>
    private async Task<bool> SessionOutsideTreeAsync(ResolvedContainer tree, CancellationToken cancellationToken)
    {
        var stat = await procFs.ReadStatAsync(tree.InitPid, cancellationToken);
        var outside = stat.Session == 0 || tree.Processes.All(p => p.HostPid != stat.Session);
        if (outside && tree.IsPidNamespaceInit && tree.InNamespacePid == 1)
        {
            throw new TreeNotCheckpointableException(tree.InitPid,
                $"the session leader of PID {tree.InitPid} (host PID {stat.Session}) is outside the tree's PID namespace, which CRIU cannot restore; " +
                "start the process with setsid inside its namespace (e.g. unshare -p -f setsid CMD)");
        }
        return outside;
    }

    /// <summary>
    /// Dumps the tree into the pending checkpoint and captures its files, hashing the images as CRIU writes
    /// them, and gives the tree back. Each step that stops the tree or blocks its connections registers what
    /// undoes it before it is taken, so a failure anywhere gives the workload back.
    /// </summary>
    private async Task<(IReadOnlyList<ManifestFile> Files, DumpResult Dump, ManifestFilesystem Filesystem, IReadOnlyList<PagesImageDigests> PageDigests)> DumpAsync(
        OperationScope scope, DumpPlan plan, PendingCheckpoint pending, ResolvedContainer tree, FilesystemCapture? capture, CheckpointCommand command,
        EarlyChangedPages? early, IProgress<CheckpointStage> progress, CancellationToken cancellationToken)
    {
        var deadline = settings.DeadlineOf(command.Timeout);
        var recovery = await RecordForRecoveryAsync(plan, pending, tree, cancellationToken);
        // The engine stops the tree itself (unless it is paused already) and keeps it stopped until the
        // dump and the capture are both done: CRIU, handed a frozen cgroup, seizes it at once and leaves it frozen.
        var ownFreezer = plan.Freezer is not null && recovery.Freezer is { WasFrozen: false } ? plan.Freezer : null;
        var frozenAt = Stopwatch.GetTimestamp();
        var thaw = ownFreezer is null ? null : await FreezeAsync(scope, ownFreezer, command, cancellationToken);
        if (plan.Freezer is { } paused && ownFreezer is null)
        {
            // CRIU thaws a paused tree's cgroup once it holds every task by ptrace and pauses it again as it lets go:
            // a CRIU that dies in between leaves the tree running, so a failure pauses it again.
            scope.OnFailure($"pause {paused.Directory} again", failure => KeepPausedAsync(paused, command, failure));
        }
        // CRIU blocks the tree's connections once it runs. Registered before the capture starts, so that on a
        // failure the capture has stopped (and its failure become the cause) before the lock goes, and the
        // lock goes before the thaw: a tree CRIU left frozen cannot touch its sockets while they are repaired.
        var unlock = recovery.NetworkLock is { } networkLock
            ? scope.OnFailure("release CRIU's network lock", failure => ReleaseNetworkLockAsync(networkLock, command, failure))
            : null;
        // Without a freezer only CRIU holds the tree still: capture at its post-dump action, behind a gate.
        var gate = capture is null || plan.Freezer is not null
            ? null
            : ActionScriptGate.Create(OperationDirectory.Create(scope, settings, "checkpoints", command.OperationId, keep: false), "post-dump", deadline);
        var options = gate is null ? plan.Options : plan.Options with { ActionScript = gate.ScriptPath };
        // A CRIU killed mid-dump (cancelled, or past its deadline) lets go of the tasks it holds, which run at once: with
        // their sockets still in repair mode, a read fails with EPERM and the application drops the connection. The
        // cgroup is asked to freeze first, so the tasks stop again as they are let go; the failure path then releases
        // the lock while they are stopped, and only then gives them back (thawed, or paused as they were).
        var launch = plan.Freezer is { } stopper ? plan.Launch with { BeforeKill = stopper.StartFreezing } : plan.Launch;
        var captured = capture is null
            ? Task.FromResult<(ManifestFilesystem, IReadOnlyList<ManifestFile>)>((new ManifestFilesystem(), []))
            : StartCapture(scope, capture, gate, pending, command, cancellationToken);
        if (gate is null && !command.LeaveRunning)
        {
            // A dump without leaveRunning ends the tree as CRIU finishes: its files are captured before CRIU starts.
            await captured;
        }
        // Hash the images while CRIU writes them: hashing after the dump would add a second full pass
        // over every page to the checkpoint's duration.
        var hasher = pending.StartHashingImages(cancellationToken, early is null ? null : new GrowingFileHasherOptions { PageDigestSink = early.Copy });
        await using (hasher)
        {
            progress.Report(CheckpointStage.Dumping);
            var run = await criu.DumpAsync(options, launch, deadline, cancellationToken);
            // CRIU lifted its lock as it finished.
            unlock?.Drop();
            var (filesystem, archives) = await captured;
            TimeSpan? frozenFor = null;
            if (ownFreezer is not null)
            {
                ownFreezer.Thaw();
                thaw?.Drop();
                frozenFor = Stopwatch.GetElapsedTime(frozenAt);
            }
            // The dump is over and the tree given back: nothing to undo any more, and the record is no part of the checkpoint.
            DumpRecoveryRecord.Delete(pending.Directory);
            var files = await hasher.CompleteAsync(cancellationToken);
            var stats = CriuStatisticsReader.ReadDump(plan.Options.ImagesDirectory);
            return ([.. files, .. archives], new DumpResult(run.Duration, stats, frozenFor), filesystem, hasher.PageDigestsOfPagesImages);
        }
    }

    /// <summary>
    /// Stops the tree through its cgroup before CRIU starts, having registered the thaw that gives it back if
    /// anything fails from here on (<see cref="LeaveRunning"/>). A tree whose tasks do not all stop in time (one
    /// in an uninterruptible wait, such as on a hung network mount) is refused as transient trouble: thawed, the
    /// workload keeps running and a later attempt may succeed.
    /// </summary>
    /// <returns>The thaw step, to drop once the engine has thawed the tree itself.</returns>
    private async Task<OperationScope.Step> FreezeAsync(OperationScope scope, CgroupFreezer freezer, CheckpointCommand command, CancellationToken cancellationToken)
    {
        var thaw = scope.OnFailure($"thaw {freezer.Directory}", failure => LeaveRunning(freezer, command, failure));
        if (await freezer.FreezeAsync(FreezeTimeout, cancellationToken))
        {
            return thaw;
        }
        var tasks = freezer.Tasks();
        throw new TransientAgentException(
            $"checkpoint {command.Namespace}/{command.Name}: the tasks of {freezer.Directory} did not all stop within {FreezeTimeout.TotalSeconds:0} s " +
            $"(threads {string.Join(", ", tasks.Take(10))}{(tasks.Count > 10 ? ", …" : "")}; one may be in an uninterruptible wait, e.g. on a hung network mount); " +
            "the workload was thawed and keeps running: retry later",
            FreezeTimeout);
    }

    /// <summary>
    /// Captures the container's files beside the dump: at CRIU's post-dump action behind <paramref name="gate"/>
    /// (only CRIU holds the tree still; a capture that fails makes CRIU fail the dump), else while the engine
    /// holds the tree stopped. On a failure the capture is stopped, and its own failure is the one reported.
    /// </summary>
    private static Task<(ManifestFilesystem, IReadOnlyList<ManifestFile>)> StartCapture(
        OperationScope scope, FilesystemCapture capture, ActionScriptGate? gate, PendingCheckpoint pending, CheckpointCommand command, CancellationToken cancellationToken) =>
        scope.Beside("the capture of the container's files", token =>
            gate is not null
                ? gate.DecideAsync(async () =>
                {
                    await gate.WaitUntilReachedAsync(token);
                    return await capture.CaptureAsync(pending.Directory, token);
                })
                // The tree stays stopped until the engine thaws it: capture beside CRIU (from the thread pool: its
                // first steps are synchronous, ~3 ms before CRIU could start), or before it when the dump ends the tree.
                : command.LeaveRunning
                    ? Task.Run(() => capture.CaptureAsync(pending.Directory, token), token)
                    : capture.CaptureAsync(pending.Directory, token),
            cancellationToken);

    /// <summary>
    /// CRIU freezes the tree and, with tcpEstablished, blocks its connections; a CRIU killed with the agent
    /// undoes neither. Record what undoing them takes before CRIU starts, so that a failed dump, or the next
    /// agent after a crash (<see cref="StoreRecovery"/>), gives the workload back.
    /// </summary>
    private async Task<DumpRecoveryRecord> RecordForRecoveryAsync(DumpPlan plan, PendingCheckpoint pending, ResolvedContainer tree, CancellationToken cancellationToken)
    {
        var record = await DumpRecoveryRecord.ForAsync(procFs, tree, plan, cancellationToken);
        await record.WriteAsync(pending.Directory, cancellationToken);
        return record;
    }

    /// <summary>
    /// A failed or killed dump must not leave the workload's connections blocked. When the lock cannot be
    /// removed the operation fails saying so (and how to remove it), with the dump's failure inside.
    /// </summary>
    private async Task<Exception> ReleaseNetworkLockAsync(NetworkLockRecord record, CheckpointCommand command, Exception failure)
    {
        // The operation's token may be what ended the dump: the release runs under its own deadlines instead.
        var released = await new NetworkLockRelease(procFs, logger)
            .ReleaseAsync(record, $"checkpoint {command.Namespace}/{command.Name}", CancellationToken.None);
        return released.Status == NetworkLockReleaseStatus.Failed
            ? new NetworkLockLeftException($"checkpoint {command.Namespace}/{command.Name} failed: {failure.Message}; and {released.Detail}", released, failure)
            : failure;
    }

    /// <summary>
    /// A failed or killed dump must not set a paused workload running: the cgroup CRIU thawed is frozen again, as it
    /// was before the dump began.
    /// </summary>
    private async Task KeepPausedAsync(CgroupFreezer freezer, CheckpointCommand command, Exception failure)
    {
        try
        {
            if (!freezer.Exists || freezer.IsFrozen())
            {
                return;
            }
            // The operation's token may be what ended the dump: the freeze waits under its own timeout instead.
            var stopped = await freezer.FreezeAsync(FreezeTimeout, CancellationToken.None);
            logger.LogWarning("checkpoint {Namespace}/{Name} failed ({Reason}); froze {Freezer} again{Stopped}: the workload was paused before the dump",
                command.Namespace, command.Name, failure.Message, freezer.Directory, stopped ? "" : " (some tasks are still stopping)");
        }
        catch (IOException e)
        {
            logger.LogError(e, "checkpoint {Namespace}/{Name}: could not pause {Freezer} again, which was paused before the dump", command.Namespace, command.Name, freezer.Directory);
        }
    }

    /// <summary>
    /// A failed or killed dump must not leave the workload frozen. Only a freeze of the engine's own is undone:
    /// a tree paused before the dump stays paused, as at the next start (<see cref="InterruptedDumpRecovery"/>).
    /// </summary>
    private void LeaveRunning(CgroupFreezer freezer, CheckpointCommand command, Exception failure)
    {
        try
        {
            if (freezer.IsFrozen())
            {
                freezer.Thaw();
                logger.LogWarning("checkpoint {Namespace}/{Name} failed ({Reason}); thawed {Freezer}: the workload keeps running",
                    command.Namespace, command.Name, failure.Message, freezer.Directory);
            }
        }
        catch (IOException e)
        {
            logger.LogError(e, "checkpoint {Namespace}/{Name}: could not thaw {Freezer}; thaw it with: {Command}",
                command.Namespace, command.Name, freezer.Directory, freezer.ThawCommand);
        }
    }
}
