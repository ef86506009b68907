using Cryo.Agent.Checkpointing;
using Cryo.Agent.Containers;
using Cryo.Agent.Filesystem;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;
using Cryo.Criu.Images;

namespace Cryo.Agent.Restoring;

/// <summary>
/// Puts back what the checkpoint captured of the container's files around CRIU's restore of the tree: checks that
/// the files the workload held open on its volumes still have their sizes (CRIU would refuse with a generic
/// error), applies the writable layer to the target container's root, and refills its /dev/shm — what CRIU opens
/// by name before it opens files, the rest while it restores memory.
/// </summary>
public static class FilesystemRestore
{
    /// <summary>Checks that the files the workload held open on its volumes are as it left them, on the target's volumes or the recorded ones.</summary>
    /// <exception cref="VolumeMismatchException">A file the workload had open differs on the target's volume; names the file.</exception>
    public static void CheckVolumes(StoredCheckpoint checkpoint, ResolvedContainer? target)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var manifest = checkpoint.Manifest;
        VolumeCheck.Verify(
            manifest.Filesystem.VolumeFiles.Select(f => new OpenVolumeFile(f.ContainerPath, f.VolumePath, f.Size, f.Sha256)).ToList(),
            target is null ? RecordedVolumes(manifest) : FilesystemCapture.VolumesOf(target));
    }

    /// <summary>
    /// Whether a restore into <paramref name="target"/> has files to put back (a writable layer or /dev/shm); a
    /// standalone copy runs on the checkpointed container's own root, which holds its files already.
    /// </summary>
    public static bool HasFilesToApply(StoredCheckpoint checkpoint, ResolvedContainer? target)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var section = checkpoint.Manifest.Filesystem;
        return target is not null && (section.WritableLayerArchive is not null || section.ShmArchive is not null);
    }

    /// <summary>
    /// How a restore of <paramref name="checkpoint"/> splits its files around CRIU (<see cref="LayerSplit"/>): what the
    /// images name (<c>files.img</c>) before CRIU opens a file, the rest beside its restore; <c>null</c> when the images
    /// do not tell everything the restore reaches by path, and every file goes first.
    /// </summary>
    public static LayerSplit? SplitOf(StoredCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var named = CriuNamedFiles.Read(checkpoint.ImagesDirectory);
        return named.Complete ? new LayerSplit(named.Paths) : null;
    }

    /// <summary>
    /// Applies what must be in place before CRIU opens the tree's files: with a <paramref name="split"/>, the entries of
    /// its first pass (and /dev/shm if a needed file is there); without, the whole writable layer and /dev/shm. The
    /// archives are verified first: a corrupted one must not touch the target's root. CRIU may already be starting
    /// meanwhile, held before it opens any of the tree's files (at its post-setup-namespaces action).
    /// </summary>
    public static async Task ApplyFirstAsync(StoredCheckpoint checkpoint, ResolvedContainer target, LayerSplit? split, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(target);
        var archives = ArchivesOf(checkpoint);
        await ChecksumVerifier.VerifyContentAsync(checkpoint, f => archives.Contains(f.Path), cancellationToken);
        await ApplyAsync(checkpoint, target, split?.First, shm: split is null || split.NeedsUnder(FilesystemCapture.ShmMountPoint), cancellationToken);
    }

    /// <summary>
    /// The checkpoint's archives a restore into a container applies (its writable layer and /dev/shm, as listed in its manifest):
    /// <see cref="ApplyFirstAsync"/> hashes them before it writes anything from them.
    /// </summary>
    public static IReadOnlySet<string> ArchivesOf(StoredCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var section = checkpoint.Manifest.Filesystem;
        return new[] { section.WritableLayerArchive, section.ShmArchive }.OfType<string>().ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Applies the rest of a <paramref name="split"/>, after <see cref="ApplyFirstAsync"/>: run beside CRIU's restore, and
    /// finished before the restored tree runs. At the agent's own CPU priority: the tree waits for it at post-restore, and
    /// at <c>SCHED_IDLE</c> (tried) every other tenant of a busy node's cores went first, holding the tree for seconds.
    /// </summary>
    public static Task ApplyRestAsync(StoredCheckpoint checkpoint, ResolvedContainer target, LayerSplit split, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(split);
        return ApplyAsync(checkpoint, target, split.Rest, shm: !split.NeedsUnder(FilesystemCapture.ShmMountPoint), cancellationToken);
    }

    /// <summary>Applies the writable layer (all of it, or one pass) to the target container's root, and refills its /dev/shm if <paramref name="shm"/>.</summary>
    private static async Task ApplyAsync(StoredCheckpoint checkpoint, ResolvedContainer target, LayerPass? pass, bool shm, CancellationToken cancellationToken)
    {
        var section = checkpoint.Manifest.Filesystem;
        if (section.WritableLayerArchive is { } layer)
        {
            // Through the target's merged root, so its own writable layer records the changes.
            await WritableLayer.ApplyAsync(checkpoint.ResolveFile(layer), target.RootPath,
                WritableLayerApplyOptions.ForTargetMounts(target.Mounts) with { Pass = pass }, cancellationToken);
        }
        if (shm && section.ShmArchive is { } archive && FilesystemCapture.SharedMemoryOf(target) is { } targetShm)
        {
            await ShmSnapshot.RestoreAsync(checkpoint.ResolveFile(archive), targetShm, cancellationToken);
        }
    }

    /// <summary>The volumes as the checkpointed container had them (mount point → recorded host source).</summary>
    private static List<VolumeMount> RecordedVolumes(CheckpointManifest manifest) =>
        manifest.Source.ExternalMounts
            .Where(e => manifest.Source.ExternalSources.ContainsKey(e.Key))
            .Select(e => new VolumeMount(e.Value, manifest.Source.ExternalSources[e.Key]))
            .ToList();
}
