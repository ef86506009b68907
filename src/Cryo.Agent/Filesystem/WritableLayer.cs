namespace Cryo.Agent.Filesystem;

/// <summary>
/// Carries a container's writable layer (what it added, changed and deleted in its root filesystem) from
/// a checkpoint to a restore target. Capture reads the source's overlay upper directory (see
/// <see cref="OverlayRoot"/>); apply writes through the target's merged root filesystem, so the target's
/// own overlay records the changes in its upper layer and its lower layers stay untouched.
/// </summary>
public static class WritableLayer
{
    /// <summary>
    /// Archives the overlay upper directory <paramref name="upperDir"/> into <paramref name="archivePath"/>
    /// (PAX tar, mode 0600): files, directories, symlinks, hard links and FIFOs with modes, owners,
    /// nanosecond times and user.*/trusted.*/security.capability attributes; whiteouts as ".wh.&lt;name&gt;"
    /// entries and opaque directories as ".wh..wh..opq" entries, as in OCI layers. Sockets and device nodes
    /// are skipped and listed. Run it while the workload is frozen so files and memory agree.
    /// </summary>
    /// <exception cref="WritableLayerUnsupportedException">The layer uses metacopy or redirected directories.</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="upperDir"/> is not a directory.</exception>
    public static Task<ArchiveCapture> CaptureAsync(string upperDir, string archivePath, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("file system capture needs Linux");
        }

        return TreeArchiveWriter.WriteAsync(upperDir, archivePath, overlayUpper: true, cancellationToken);
    }

    /// <summary>
    /// Applies an archive from <see cref="CaptureAsync"/> to the target's merged root filesystem
    /// <paramref name="targetRootfs"/> (a host path): writes the entries, deletes whited-out paths, empties
    /// opaque directories, and restores owners, modes, attributes and times. Nothing is written outside
    /// <paramref name="targetRootfs"/>: names with ".." or a leading "/" refuse the whole archive before any
    /// change, and symlinks on the way are resolved with <paramref name="targetRootfs"/> as "/" (a relative
    /// one that climbs above it is refused).
    /// </summary>
    /// <exception cref="UnsafeArchiveEntryException">An entry would leave the target root.</exception>
    public static Task<FileTreeApplyResult> ApplyAsync(string archivePath, string targetRootfs, CancellationToken cancellationToken) =>
        ApplyAsync(archivePath, targetRootfs, new WritableLayerApplyOptions(), cancellationToken);

    /// <summary>
    /// As <see cref="ApplyAsync(string, string, CancellationToken)"/>, leaving the target's mount points
    /// (<see cref="WritableLayerApplyOptions.TargetMountPoints"/>) alone.
    /// </summary>
    public static Task<FileTreeApplyResult> ApplyAsync(
        string archivePath, string targetRootfs, WritableLayerApplyOptions options, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("file system capture needs Linux");
        }

        ArgumentNullException.ThrowIfNull(options);
        return TreeArchiveApplier.ApplyAsync(archivePath, targetRootfs, deletionMarkers: true, options.TargetMountPoints, cancellationToken, options.Pass);
    }
}
