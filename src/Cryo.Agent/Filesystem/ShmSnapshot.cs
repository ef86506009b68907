namespace Cryo.Agent.Filesystem;

/// <summary>
/// Carries a container's own /dev/shm (POSIX shared memory objects, semaphores, anything the workload put
/// there) across a checkpoint, as the kubelet's checkpoint archive does. CRIU restores the tree with a
/// fresh /dev/shm mount that is the target's (declared external), so its content must be put back first.
/// </summary>
public static class ShmSnapshot
{
    /// <summary>
    /// Archives everything inside <paramref name="shmDir"/> (a host path to the container's /dev/shm) into
    /// <paramref name="archivePath"/>, with the metadata <see cref="WritableLayer.CaptureAsync"/> keeps.
    /// </summary>
    public static Task<ArchiveCapture> CaptureAsync(string shmDir, string archivePath, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("file system capture needs Linux");
        }

        return TreeArchiveWriter.WriteAsync(shmDir, archivePath, overlayUpper: false, cancellationToken);
    }

    /// <summary>
    /// Writes the archive's content into <paramref name="targetShmDir"/> (replacing same-named entries,
    /// never writing outside it). Names starting with ".wh." are plain files here, not deletions.
    /// </summary>
    /// <exception cref="UnsafeArchiveEntryException">An entry would leave <paramref name="targetShmDir"/>.</exception>
    public static Task<FileTreeApplyResult> RestoreAsync(string archivePath, string targetShmDir, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("file system capture needs Linux");
        }

        return TreeArchiveApplier.ApplyAsync(archivePath, targetShmDir, deletionMarkers: false, [], cancellationToken);
    }
}
