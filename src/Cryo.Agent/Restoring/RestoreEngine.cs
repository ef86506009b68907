using System.Diagnostics;
using Cryo.Agent.Attempts;
using Cryo.Agent.Cgroups;
using Cryo.Agent.Containers;
using Cryo.Agent.Filesystem;
using Cryo.Agent.Operations;
using Cryo.Agent.Restoring.Lazy;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu;
using Cryo.Criu.Images;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Restoring;

/// <summary>
/// Restores a committed checkpoint: a standalone copy in fresh namespaces and cgroups, or into a running
/// target container whose init (the placeholder) adopts the restored root. The checkpoint is only read;
/// a failed restore leaves it intact and kills whatever CRIU half-restored.
/// </summary>
public sealed class RestoreEngine(
    ImageStore store,
    ContainerResolver resolver,
    ICriu criu,
    ProcFs procFs,
    LazyTransfers lazyTransfers,
    IOptions<EngineOptions> options,
    ILogger<RestoreEngine> logger) : IRestoreEngine
{
    private readonly EngineOptions settings = options.Value;
    private readonly List<TerminalHolder> terminals = [];

    /// <inheritdoc />
    public Task<RestoreOutcome> RestoreAsync(RestoreCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        return OperationScope.RunAsync($"restore {command.Namespace}/{command.Name}", logger,
            scope => RestoreAsync(scope, command, cancellationToken));
    }

    private async Task<RestoreOutcome> RestoreAsync(OperationScope scope, RestoreCommand command, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var checkpoint = FindCheckpoint(command);
        // Cheap checks first: the chain of parents an increment reads whole, every listed file of each present
        // with its size. Contents are hashed beside CRIU.
        var chain = CheckpointChain.Of(store, checkpoint);
        foreach (var level in chain)
        {
            ChecksumVerifier.VerifyStructure(level);
        }

        var container = command.TargetContainer is { } target ? await resolver.ResolveAsync(target, cancellationToken) : null;
        var placeholder = container is null ? null : await PlaceholderInit.FindAsync(procFs, container, cancellationToken);
        var targetFound = Stopwatch.GetTimestamp();
        FilesystemRestore.CheckVolumes(checkpoint, container);
        var volumesChecked = Stopwatch.GetTimestamp();
        if (container is not null && checkpoint.Manifest.Filesystem.WritableLayerSkipped)
        {
            // Not an error: the caller chose it at checkpoint time. But a CRIU failure to open a file that
            // follows is explained by it, so say it first.
            logger.LogWarning("restore {Namespace}/{Name} into container PID {Pid} without the checkpointed writable layer: {Note}",
                command.Namespace, command.Name, container.InitPid, checkpoint.Manifest.Filesystem.WritableLayerNote);
        }

        // From here on everything made for this attempt is undone if it fails — a target that lacks a mount
        // the plan needs as much as CRIU failing. The directory stays on success: a standalone copy writes its
        // output there for as long as it runs.
        var deadline = settings.DeadlineOf(command.Timeout);
        var workDirectory = OperationDirectory.Create(scope, settings, "restores", command.OperationId, keep: true);
        // The restored tree must not run before its images are verified. A standalone copy of a tree that
        // was dumped frozen comes back frozen when CRIU makes its freezer cgroup, and stays so until the
        // engine thaws it; any other copy is held at CRIU's post-restore action, behind a gate (six
        // action-script runs: ~18 ms of a restore here as shell scripts, less as the static cryo-action-hook).
        var frozenBeforeDump = checkpoint.Manifest.Options.FrozenBeforeDump;
        var cgroups = container is null ? CreateCgroups(scope, command, freezerLeftToCriu: frozenBeforeDump) : null;
        // Only a v1 freezer cgroup CRIU makes itself (none on a v2 host, or without the controller) comes back frozen.
        var heldFrozen = frozenBeforeDump && cgroups?.FreezerDirectory is not null;
        var terminal = OpenTerminal(scope, checkpoint, container, workDirectory);
        var agentMounts = await procFs.ReadMountInfoAsync(procFs.SelfPid, cancellationToken);
        var restoreTarget = new RestoreTarget(container, workDirectory, cgroups?.Paths ?? new Dictionary<string, string>(), terminal, agentMounts);
        // Files to put back into a target container (its writable layer, /dev/shm) are applied while CRIU starts up
        // (reading its images, probing the kernel, rebuilding the mount namespace: 0.1-0.2 s). CRIU holds at
        // post-setup-namespaces, before it opens any file of the tree, until those it opens by name are in place (its
        // mounts bind the target's root and volumes, so files written there now are what it opens then). A small layer goes
        // whole before that point; of a larger one the rest is written while CRIU restores memory, and the tree is held at
        // post-restore until they are all there.
        var applyFiles = FilesystemRestore.HasFilesToApply(checkpoint, container);
        var split = applyFiles && !WholeLayerFirst(checkpoint) ? SplitFiles(command, checkpoint) : null;
        IReadOnlyList<ActionScriptGate> gates = heldFrozen ? [] : ActionScriptGate.Create(workDirectory, applyFiles ? [FilesGateAction, "post-restore"] : ["post-restore"], deadline);
        var gate = gates.Count > 0 ? gates[^1] : null;
        var filesGate = applyFiles ? gates[0] : null;
        var (criuOptions, launch) = RestorePlanner.Plan(checkpoint, restoreTarget, gate?.ScriptPath);
        // An increment that still keeps CRIU's full images (the newest of its chain) is restored from them, as a full
        // checkpoint is; never when its memory is to be served lazily from the chain.
        var kept = command.Lazy || chain.Count < 2 ? null : OpenKeptCopy(scope, command, chain[0]);
        if (kept is not null)
        {
            criuOptions = criuOptions with { ImagesDirectory = kept.ImagesDirectory };
        }
        // Page images compressed at rest are decompressed (and verified as they are read) into a copy of the chain CRIU reads.
        var decompressed = kept is null ? await DecompressAsync(scope, command, chain, cancellationToken) : null;
        if (decompressed is not null)
        {
            criuOptions = criuOptions with { ImagesDirectory = decompressed.ImagesDirectory };
        }
        // An increment may be given to CRIU written out whole (a setting, off by default: the copy is a write of the whole
        // memory), never when its memory is to be served lazily from the chain.
        var flat = command.Lazy || kept is not null ? null : await FlattenAsync(scope, command, chain, criuOptions.ImagesDirectory, cancellationToken);
        if (flat is not null)
        {
            criuOptions = criuOptions with { ImagesDirectory = flat.ImagesDirectory };
        }
        else if (chain.Count > 1 && kept is null)
        {
            // At debug level CRIU logs every run of pages it reads through a parent link: most of a chain's restore time.
            criuOptions = criuOptions with { LogLevel = settings.ChainRestoreLogLevel };
        }
        if (criuOptions.MountNamespaceCompatMode)
        {
            logger.LogInformation("restore {Namespace}/{Name}: the checkpoint's mounts were shared or slaves and a source is private in the agent's mount namespace, so CRIU rebuilds them with --mntns-compat-mode (they come back private)",
                command.Namespace, command.Name);
        }
        // A lazy restore runs as soon as the tree is back; its memory follows from a daemon serving the images.
        var (daemon, lazyFallback) = decompressed is not null && command.Lazy
            ? ((LazyPagesDaemon?)null, (string?)LazyDeclined(command, "its page images are compressed at rest, and are decompressed whole before CRIU starts"))
            : await StartLazyPagesAsync(scope, command, checkpoint, workDirectory, cancellationToken);
        criuOptions = criuOptions with { LazyPages = daemon is not null };
        // A restore that fails because the images are corrupt says so, not CRIU's echo of it. Behind a lazy restore
        // the gate waits for every image but the pages (the bulk), whose hashing would hold the tree back as long as
        // an eager restore takes: they are checked while the daemon serves them, and a mismatch ends the tree.
        // Neither hashes the page index (~1 % of the pages' bytes): CRIU never reads it, and the increment that does
        // checks it as it loads it (ContentIncrement).
        Func<ManifestFile, bool> gated = daemon is null
            ? f => !DecompressedChain.IsVerifiedHere(f) && !IsPageIndex(f)
            : f => !IsPages(f) && !IsPageIndex(f);
        var files = filesGate is null
            ? Task.FromResult(TimeSpan.Zero)
            : scope.Beside("the checkpointed files' application to the target container", async token =>
            {
                var applying = Stopwatch.GetTimestamp();
                await filesGate.DecideAsync(async () =>
                {
                    await FilesystemRestore.ApplyFirstAsync(checkpoint, container!, split, token);
                    return true;
                });
                if (split is not null)
                {
                    await FilesystemRestore.ApplyRestAsync(checkpoint, container!, split, token);
                }
                return Stopwatch.GetElapsedTime(applying);
            }, cancellationToken);
        // CRIU waits for the files it opens, not for the verification (the tree is held until its post-restore): the hashing
        // starts at once, beside the files' application, so that most of it is done before CRIU reads the pages. Started
        // only once the files CRIU opens were in place, it overlapped CRIU's page reads instead, ~12 ms more of an in-pod restore.
        // What CRIU reads is what is verified: from a kept flat copy, the copy and the increment's other files, not the parents.
        // The archives the files' application writes into the target it has hashed first (FilesystemRestore.ApplyFirstAsync): not
        // twice. In a pod CRIU, the application and this hashing share the node's cores, and on two CRIU's start-up waited for them.
        var hashedByApply = filesGate is null ? new HashSet<string>() : FilesystemRestore.ArchivesOf(checkpoint);
        IReadOnlyList<(StoredCheckpoint Level, IEnumerable<ManifestFile> Files)> toVerify = kept is null
            ? [.. chain.Select(level => (level, level.Manifest.Files.Where(f => gated(f) && !(level.Key == checkpoint.Key && hashedByApply.Contains(f.Path)))))]
            : [(checkpoint, kept.FilesRead(checkpoint).Where(f => gated(f) && !hashedByApply.Contains(f.Path)))];
        var verification = scope.Beside("the verification of the images",
            token => VerifyAsync(toVerify, gate, files, token), cancellationToken);

        // CRIU kills its tree when it fails by itself, but not when it is killed at its deadline, nor does
        // anything once it succeeded and the engine fails after it (a copy held frozen whose images failed
        // verification, a root not found, a freezer that cannot be thawed): end what it left.
        scope.OnFailure("end what CRIU restored", _ => KillRestoredAsync(container, cgroups));
        var criuStarted = Stopwatch.GetTimestamp();
        var run = await criu.RestoreAsync(criuOptions, launch, deadline, cancellationToken);
        var criuEnded = Stopwatch.GetTimestamp();
        // CRIU has read every page: the decompressed and flat copies go now, not when the copy ends.
        flat?.DisposeBeside(logger);
        decompressed?.Dispose();
        kept?.Dispose();
        if (heldFrozen && !IsFrozen(cgroups!.FreezerDirectory!))
        {
            logger.LogWarning("restore {Namespace}/{Name}: the copy came back running, not frozen as it was dumped ({Freezer}), so it ran before its images were verified",
                command.Namespace, command.Name, cgroups.FreezerDirectory);
        }
        var filesApplied = await files;
        var verified = await verification;
        var pid = run.RestoredPid ?? throw new InvalidOperationException($"CRIU restored {command.Namespace}/{command.Name} but wrote no pidfile");
        var (hostPid, namespacePid) = await LocateRootAsync(container, pid, cancellationToken);
        if (daemon is not null)
        {
            await lazyTransfers.AdoptTreeAsync(daemon, hostPid, cancellationToken);
            VerifyPagesBehind(command, chain, hostPid);
        }
        await ThawAsync(hostPid, command, cancellationToken);
        if (placeholder is not null)
        {
            await PlaceholderHandoff.WriteAsync(placeholder.HandoffFileHostPath, pid, cancellationToken);
        }
        logger.LogInformation("restore {Namespace}/{Name} ({Operation}) into {Target}: root host PID {HostPid}, in-namespace PID {NamespacePid}{Lazy}",
            command.Namespace, command.Name, command.OperationId, container is null ? "a new PID namespace" : $"container PID {container.InitPid}", hostPid, namespacePid,
            daemon is null ? "" : $", memory served lazily by criu lazy-pages PID {daemon.DaemonPid}");
        var ended = Stopwatch.GetTimestamp();
        return new RestoreOutcome(hostPid, namespacePid, verified, run.Duration, Stopwatch.GetElapsedTime(started, ended))
        {
            Steps = new RestoreSteps(
                Stopwatch.GetElapsedTime(started, targetFound), Stopwatch.GetElapsedTime(targetFound, volumesChecked) + filesApplied,
                Stopwatch.GetElapsedTime(volumesChecked, criuStarted), Stopwatch.GetElapsedTime(criuStarted, criuEnded),
                Stopwatch.GetElapsedTime(criuEnded, ended))
            {
                FilesWait = filesGate?.Held ?? TimeSpan.Zero,
                VerifyWait = gate?.Held ?? TimeSpan.Zero,
            },
            Lazy = daemon is not null,
            LazyFallbackReason = lazyFallback,
            WorkDirectory = workDirectory,
        };
    }

    /// <summary>The fresh cgroups of a standalone copy, removed again (emptied first) if the restore fails.</summary>
    private RestoreCgroups CreateCgroups(OperationScope scope, RestoreCommand command, bool freezerLeftToCriu)
    {
        var cgroups = RestoreCgroups.Create(settings, command.OperationId, freezerLeftToCriu);
        scope.OnFailure("remove the copy's cgroups", _ => cgroups.Remove());
        return cgroups;
    }

    /// <summary>
    /// The terminal a restored shell job gets: the target container's own (its init's standard input),
    /// or for a standalone copy a new pseudo-terminal whose master the engine keeps reading into the
    /// copy's output file for as long as the copy runs (and closes if the restore fails).
    /// </summary>
    private string? OpenTerminal(OperationScope scope, StoredCheckpoint checkpoint, ResolvedContainer? container, string workDirectory)
    {
        if (checkpoint.Manifest.Source.TerminalKey is null)
        {
            return null;
        }
        if (container is not null)
        {
            var own = $"/proc/{container.InitPid}/fd/0";
            return TerminalKey.Of(own) is null ? null : own;
        }
        lock (terminals)
        {
            terminals.RemoveAll(t => t.Ended);
            var holder = TerminalHolder.Open(Path.Combine(workDirectory, "stdout.log"));
            terminals.Add(holder);
            scope.OnFailure("close the copy's terminal", _ => holder.Dispose());
            return holder.SlavePath;
        }
    }

    /// <summary>
    /// Starts the lazy-pages daemon of a restore that asked for one, or says why it restores eagerly instead
    /// (the kernel lacks userfaultfd, the daemon did not come up): a lazy restore is an optimisation, and the
    /// eager one restores the same tree.
    /// </summary>
    private async Task<(LazyPagesDaemon? Daemon, string? FallbackReason)> StartLazyPagesAsync(OperationScope scope, RestoreCommand command,
        StoredCheckpoint checkpoint, string workDirectory, CancellationToken cancellationToken)
    {
        if (!command.Lazy)
        {
            return (null, null);
        }
        var why = await lazyTransfers.WhyUnavailableAsync(cancellationToken);
        if (why is null)
        {
            try
            {
                var daemon = await lazyTransfers.StartAsync(checkpoint.ImagesDirectory, workDirectory, command.OperationId, cancellationToken);
                scope.OnFailure("stop the lazy-pages daemon", _ => lazyTransfers.Abandon(daemon));
                return (daemon, null);
            }
            catch (LazyPagesStartException e)
            {
                why = e.Message;
            }
        }
        var reason = $"restored eagerly, not lazily: {why}";
        logger.LogWarning("restore {Namespace}/{Name} ({Operation}): {Reason}", command.Namespace, command.Name, command.OperationId, reason);
        return (null, reason);
    }

    /// <summary>
    /// Decompresses the chain's compressed page images into a scratch copy on the store's volume, removed if the restore
    /// fails (and right after CRIU otherwise); null when nothing in the chain is compressed.
    /// </summary>
    private async Task<DecompressedChain?> DecompressAsync(OperationScope scope, RestoreCommand command, IReadOnlyList<StoredCheckpoint> chain,
        CancellationToken cancellationToken)
    {
        if (!DecompressedChain.IsNeeded(chain))
        {
            return null;
        }
        var decompressed = await Task.Run(() => DecompressedChain.CreateAsync(store, chain, Environment.ProcessorCount, cancellationToken), cancellationToken);
        scope.OnFailure("remove the decompressed images", _ => decompressed.Dispose());
        logger.LogInformation("restore {Namespace}/{Name} ({Operation}): decompressed the page images of {Levels} checkpoint(s) in {Ms:0} ms",
            command.Namespace, command.Name, command.OperationId, chain.Count, decompressed.Duration.TotalMilliseconds);
        return decompressed;
    }

    /// <summary>
    /// Links the flat copy an increment keeps (<see cref="KeptFlatCopy"/>) for CRIU, removed with the restore; null when it keeps
    /// none. A copy that fails its checks is dropped as the restore fails: the next restore reads the chain, which holds the
    /// same memory (the copy only spares CRIU the reads through it).
    /// </summary>
    private KeptFlatCopy? OpenKeptCopy(OperationScope scope, RestoreCommand command, StoredCheckpoint checkpoint)
    {
        // Owned by the attempt from here: disposed by its undo step on failure, by the caller once CRIU is done.
#pragma warning disable CA2000
        var kept = KeptFlatCopy.Open(store, checkpoint, logger);
#pragma warning restore CA2000
        if (kept is null)
        {
            return null;
        }
        scope.OnFailure("remove the links to the kept flat copy", _ => kept.Dispose());
        scope.OnFailure("drop a flat copy that failed verification", failure =>
        {
            if (failure is CheckpointCorruptedException { RelativePath: var path } && ImageStore.IsInFlatCopy(path) && store.DropFlatCopy(checkpoint, logger))
            {
                logger.LogWarning("restore {Namespace}/{Name}: the flat copy {Checkpoint} kept failed verification and was removed; a restore reads the chain",
                    command.Namespace, command.Name, checkpoint);
            }
        });
        logger.LogInformation("restore {Namespace}/{Name} ({Operation}): CRIU reads the flat copy the increment keeps ({Bytes} bytes of pages), not the chain",
            command.Namespace, command.Name, command.OperationId, kept.Bytes);
        return kept;
    }

    /// <summary>
    /// Writes an increment's chain out whole for CRIU (<see cref="FlatChain"/>) into a scratch directory of the store, removed
    /// if the restore fails (and beside the restore once CRIU is done); null for a full checkpoint, or when not switched on.
    /// </summary>
    private async Task<FlatChain?> FlattenAsync(OperationScope scope, RestoreCommand command, IReadOnlyList<StoredCheckpoint> chain, string imagesDirectory,
        CancellationToken cancellationToken)
    {
        if (chain.Count < 2 || !settings.FlattenChainOnRestore)
        {
            return null;
        }
        var flat = await Task.Run(() => FlatChain.Create(store, chain[0].Key, imagesDirectory, cancellationToken), cancellationToken);
        scope.OnFailure("remove the flattened images", _ => flat.Dispose());
        logger.LogInformation("restore {Namespace}/{Name} ({Operation}): wrote the chain of {Levels} checkpoints out whole for CRIU ({Bytes} bytes of pages) in {Ms:0} ms",
            command.Namespace, command.Name, command.OperationId, chain.Count, flat.PagesBytes, flat.Duration.TotalMilliseconds);
        return flat;
    }

    private string LazyDeclined(RestoreCommand command, string why)
    {
        var reason = $"restored eagerly, not lazily: {why}";
        logger.LogWarning("restore {Namespace}/{Name} ({Operation}): {Reason}", command.Namespace, command.Name, command.OperationId, reason);
        return reason;
    }

    /// <summary>
    /// How the files of a restore into a container split around CRIU (<see cref="FilesystemRestore.SplitOf"/>); none (all
    /// first) when its file table does not read, which the images' verification then explains.
    /// </summary>
    private LayerSplit? SplitFiles(RestoreCommand command, StoredCheckpoint checkpoint)
    {
        try
        {
            var split = FilesystemRestore.SplitOf(checkpoint);
            if (split is null)
            {
                logger.LogDebug("restore {Namespace}/{Name}: the images do not name every path CRIU opens, so every file is applied before it opens any",
                    command.Namespace, command.Name);
            }
            return split;
        }
        catch (CriuImageFormatException e)
        {
            logger.LogWarning("restore {Namespace}/{Name}: {Error}; every file is applied before CRIU opens any", command.Namespace, command.Name, e.Message);
            return null;
        }
    }

    /// <summary>Whether the writable layer is small enough to be written whole before CRIU opens files (<see cref="EngineOptions.WholeLayerFirstMaxBytes"/>).</summary>
    private bool WholeLayerFirst(StoredCheckpoint checkpoint) =>
        checkpoint.Manifest.Filesystem.WritableLayerArchive is not { } layer
        || checkpoint.Manifest.Files.FirstOrDefault(f => f.Path == layer) is not { } file
        || file.Size <= settings.WholeLayerFirstMaxBytes;

    /// <summary>The CRIU action a restore into a container holds at until its files are in place: after the namespaces are set up, before any file is opened.</summary>
    private const string FilesGateAction = "post-setup-namespaces";

    private static bool IsPages(ManifestFile file) => CriuImageFiles.IsPagesImage(Path.GetFileName(file.Path));

    private static bool IsPageIndex(ManifestFile file) => file.Path == StorePaths.PageIndexFileName;

    /// <summary>
    /// Hashes the page images a lazy daemon serves (of every level of the chain), after the restore answered; on a mismatch the tree (which may
    /// already hold a corrupt page) is killed and the failure logged — the one way a lazy restore fails late.
    /// </summary>
    private void VerifyPagesBehind(RestoreCommand command, IReadOnlyList<StoredCheckpoint> chain, int hostPid)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                foreach (var level in chain)
                {
                    await ChecksumVerifier.VerifyContentAsync(level, IsPages, CancellationToken.None);
                }
            }
            catch (CheckpointCorruptedException e)
            {
                var descendants = await procFs.ReadDescendantsAsync(hostPid, CancellationToken.None);
                ProcessKiller.Kill(hostPid);
                foreach (var child in descendants)
                {
                    ProcessKiller.Kill(child);
                }
                logger.LogError(e, "lazy restore {Namespace}/{Name} ({Operation}): a page image failed verification while it was being served; the restored tree (PID {Pid}) was killed",
                    command.Namespace, command.Name, command.OperationId, hostPid);
            }
#pragma warning disable CA1031 // a background check must not take the agent down; it logs what it could not do
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogError(e, "lazy restore {Namespace}/{Name} ({Operation}): the page images could not be verified", command.Namespace, command.Name, command.OperationId);
            }
        });
    }

    private StoredCheckpoint FindCheckpoint(RestoreCommand command) =>
        store.FindByName(command.Namespace, command.Name).OrderByDescending(c => c.Manifest.CreatedAt).FirstOrDefault()
            ?? throw new CheckpointNotFoundException(command.Namespace, command.Name);

    private static bool IsFrozen(string freezerDirectory) =>
        File.Exists(Path.Combine(freezerDirectory, "freezer.state")) && CgroupFreezer.At(freezerDirectory, unified: false).IsFrozen();

    /// <summary>
    /// Hashes every image of the chain (the checkpoint and the parents it reads) against their manifests beside
    /// CRIU's restore; behind <paramref name="gate"/> the copy
    /// runs only once they match and <paramref name="files"/> are all in place, and CRIU ends it when either fails.
    /// </summary>
    private static Task<TimeSpan> VerifyAsync(IReadOnlyList<(StoredCheckpoint Level, IEnumerable<ManifestFile> Files)> chain, ActionScriptGate? gate, Task files, CancellationToken cancellationToken)
    {
        return gate is null ? VerifyContentAsync() : gate.DecideAsync(VerifyContentAsync);

        async Task<TimeSpan> VerifyContentAsync()
        {
            var started = Stopwatch.GetTimestamp();
            // CRIU reads the same images meanwhile: the hashing keeps to the cores CRIU leaves idle.
            foreach (var (level, levelFiles) in chain)
            {
                await ChecksumVerifier.VerifyContentAsync(level, levelFiles, cancellationToken, ChecksumVerifier.BesideCriuParallelism);
            }
            var hashed = Stopwatch.GetElapsedTime(started);
            // The tree runs only once every file is in place, too.
            await files;
            return hashed;
        }
    }

    /// <summary>
    /// Finds the restored root's host PID and its PID inside its own namespace. CRIU's pidfile holds the
    /// PID in the numbering of the namespace CRIU ran in: the host's for a standalone copy, the target
    /// container's otherwise.
    /// </summary>
    private async Task<(int HostPid, int NamespacePid)> LocateRootAsync(ResolvedContainer? container, int pid, CancellationToken cancellationToken)
    {
        if (container is null)
        {
            var status = await procFs.ReadStatusAsync(pid, cancellationToken);
            return (pid, status.InnermostPid);
        }
        foreach (var child in await procFs.ReadChildrenAsync(container.InitPid, cancellationToken))
        {
            var status = await procFs.ReadStatusAsync(child, cancellationToken);
            // NSpid: host, target container's, restored tree's own.
            if (status.NamespacePids.Count >= 2 && status.NamespacePids[1] == pid)
            {
                return (child, status.InnermostPid);
            }
        }
        throw new InvalidOperationException($"the restored root (PID {pid} in container PID {container.InitPid}'s namespace) is not a child of the container's init");
    }

    /// <summary>
    /// CRIU puts a restored tree's freezer cgroup back into the state it recorded at dump time: FROZEN, since
    /// the checkpoint engine freezes a tree itself before CRIU dumps it (or it was paused). A restore hands
    /// back a running tree, so thaw it — in a target container that is the container's own freezer.
    /// </summary>
    private async Task ThawAsync(int hostPid, RestoreCommand command, CancellationToken cancellationToken)
    {
        var freezer = CgroupFreezer.For(await procFs.ReadCgroupsAsync(hostPid, cancellationToken));
        if (freezer is not null && freezer.IsFrozen())
        {
            freezer.Thaw();
            logger.LogDebug("restore {Namespace}/{Name}: thawed {Freezer}, frozen as recorded at dump time", command.Namespace, command.Name, freezer.Directory);
        }
    }

    /// <summary>
    /// Ends every process a restore left behind: its own cgroups' or, in a target container, the container
    /// init's descendants (a standalone copy's cgroups may be frozen: <see cref="RestoreCgroups.KillAllAsync"/>
    /// thaws them after signalling; a target container's freezer is not the engine's to thaw).
    /// </summary>
    private async Task KillRestoredAsync(ResolvedContainer? container, RestoreCgroups? cgroups)
    {
        if (cgroups is not null)
        {
            await cgroups.KillAllAsync();
            return;
        }
        if (container is null)
        {
            return;
        }
        foreach (var pid in await procFs.ReadDescendantsAsync(container.InitPid, CancellationToken.None))
        {
            ProcessKiller.Kill(pid);
        }
    }
}
