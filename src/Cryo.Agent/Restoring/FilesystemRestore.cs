using Cryo.Agent.Checkpointing;
using Cryo.Agent.Containers;
using Cryo.Agent.Filesystem;
using Cryo.Agent.Store;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Restoring;

/// <summary>
/// Puts back what the checkpoint captured of the container's files before CRIU runs: checks that the
/// files the workload held open on its volumes still have their sizes (CRIU would refuse with a generic
/// error), applies the writable layer to the target container's root, and refills its /dev/shm.
/// </summary>
public static class FilesystemRestore
{
    /// <summary>Checks the volumes; for a target container also applies the writable layer and /dev/shm.</summary>
    /// <exception cref="VolumeMismatchException">A file the workload had open differs on the target's volume; names the file.</exception>
    public static async Task PrepareAsync(StoredCheckpoint checkpoint, ResolvedContainer? target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var manifest = checkpoint.Manifest;
        var section = manifest.Filesystem;
        VolumeCheck.Verify(
            section.VolumeFiles.Select(f => new OpenVolumeFile(f.ContainerPath, f.VolumePath, f.Size, f.Sha256)).ToList(),
            target is null ? RecordedVolumes(manifest) : FilesystemCapture.VolumesOf(target));
        if (target is null)
        {
            // A standalone copy runs on the checkpointed container's own root, which holds its files already.
            return;
        }
        // The archives are applied before CRIU runs, so they are verified before anything else is: a
        // corrupted one must not touch the target's root.
        var archives = new[] { section.WritableLayerArchive, section.ShmArchive }.OfType<string>().ToHashSet(StringComparer.Ordinal);
        await ChecksumVerifier.VerifyContentAsync(checkpoint, f => archives.Contains(f.Path), cancellationToken);
        if (section.WritableLayerArchive is { } layer)
        {
            // Through the target's merged root, so its own writable layer records the changes.
            await WritableLayer.ApplyAsync(checkpoint.ResolveFile(layer), target.RootPath,
                WritableLayerApplyOptions.ForTargetMounts(target.Mounts), cancellationToken);
        }
        if (section.ShmArchive is { } shm && FilesystemCapture.SharedMemoryOf(target) is { } targetShm)
        {
            await ShmSnapshot.RestoreAsync(checkpoint.ResolveFile(shm), targetShm, cancellationToken);
        }
    }

    /// <summary>The volumes as the checkpointed container had them (mount point → recorded host source).</summary>
    private static List<VolumeMount> RecordedVolumes(CheckpointManifest manifest) =>
        manifest.Source.ExternalMounts
            .Where(e => manifest.Source.ExternalSources.ContainsKey(e.Key))
            .Select(e => new VolumeMount(e.Value, manifest.Source.ExternalSources[e.Key]))
            .ToList();
}
