using Cryo.Agent.Containers;
using Cryo.Agent.Filesystem;
using Cryo.Agent.Store.Hashing;
using Cryo.Agent.Store.Manifest;

namespace Cryo.Agent.Checkpointing;

/// <summary>
/// Captures what a container's processes see on disk and CRIU does not carry: the root filesystem's
/// writable layer (files the workload created, changed or deleted), a /dev/shm bound in from a pod
/// sandbox, and the size of every file it holds open on a volume. Runs while the tree is frozen (from
/// CRIU's post-dump action), so files and memory agree.
/// </summary>
public sealed class FilesystemCapture
{
    /// <summary>Archive of the writable layer's changes, in the checkpoint directory.</summary>
    public const string WritableLayerArchive = "rootfs-diff.tar";

    /// <summary>Archive of /dev/shm, in the checkpoint directory.</summary>
    public const string ShmArchive = "devshm.tar";

    /// <summary>What the manifest says when the caller opted out of the writable layer.</summary>
    public const string SkippedByRequestNote =
        "the writable layer was skipped by request (skip_root_filesystem): files the workload created, changed or deleted in its " +
        "root filesystem are not in this checkpoint; restore into a container whose root already holds them";

    /// <summary>Where a container sees the /dev/shm the capture archives.</summary>
    public const string ShmMountPoint = "/dev/shm";

    private readonly ResolvedContainer tree;
    private readonly OverlayRoot? overlay;

    private FilesystemCapture(ResolvedContainer tree, OverlayRoot? overlay)
    {
        this.tree = tree;
        this.overlay = overlay;
    }

    /// <summary>
    /// The capture for a tree with its own mount namespace; null for one sharing the host's (a plain
    /// process has no container root to capture). Called before anything is frozen or written, so a root
    /// that cannot be captured fails the checkpoint while the workload is untouched.
    /// </summary>
    /// <param name="tree">The resolved tree.</param>
    /// <param name="skipWritableLayer">The caller opted out of the writable layer: capture everything else.</param>
    /// <exception cref="RootFilesystemNotCapturableException">The root is not an overlay with an upper layer and the caller did not opt out.</exception>
    public static FilesystemCapture? For(ResolvedContainer tree, bool skipWritableLayer)
    {
        ArgumentNullException.ThrowIfNull(tree);
        if (tree.SharesHostMountNamespace)
        {
            return null;
        }
        if (skipWritableLayer)
        {
            return new FilesystemCapture(tree, overlay: null);
        }
        if (OverlayRoot.TryFind(tree.Mounts, out var root))
        {
            return new FilesystemCapture(tree, root);
        }
        // The root's files would silently go missing at restore: refuse unless the caller said so.
        var mount = tree.Mounts.LastOrDefault(m => m.MountPoint == "/");
        throw new RootFilesystemNotCapturableException(tree.InitPid,
            mount?.FilesystemType ?? "unknown", mount?.Source ?? "unknown", mount?.Root ?? tree.RootPath);
    }

    /// <summary>The volumes of the tree: mounts from the host other than /dev/shm.</summary>
    public static IReadOnlyList<VolumeMount> VolumesOf(ResolvedContainer tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        return tree.ExternalMounts
            .Where(m => m.Kind == ExternalMountKind.FromHost && m.HostPath is not null && m.MountPoint != ShmMountPoint)
            .Select(m => new VolumeMount(m.MountPoint, m.HostPath!))
            .ToList();
    }

    /// <summary>The host directory of a /dev/shm bound into the container from outside, or null.</summary>
    public static string? SharedMemoryOf(ResolvedContainer tree) =>
        tree.ExternalMounts.FirstOrDefault(m => m.MountPoint == ShmMountPoint && m.HostPath is not null)?.HostPath;

    /// <summary>Captures into <paramref name="checkpointDirectory"/>; returns the manifest section and the archives' digests.</summary>
    public async Task<(ManifestFilesystem Section, IReadOnlyList<ManifestFile> Files)> CaptureAsync(string checkpointDirectory, CancellationToken cancellationToken)
    {
        var section = new ManifestFilesystem();
        var files = new List<ManifestFile>();

        var open = await OpenVolumeFiles.ListAsync(VolumesOf(tree), tree.Processes.Select(p => p.HostPid), cancellationToken);
        section.VolumeFiles = [.. open.Select(f => new ManifestVolumeFile { ContainerPath = f.ContainerPath, VolumePath = f.VolumePath, Size = f.Size, Sha256 = f.Sha256 })];

        if (overlay is not null)
        {
            var layer = await WritableLayer.CaptureAsync(overlay.UpperDir, Path.Combine(checkpointDirectory, WritableLayerArchive), cancellationToken);
            section.WritableLayerArchive = WritableLayerArchive;
            section.Skipped.AddRange(layer.Skipped.Select(s => $"{s.Path}: {s.Reason}"));
            files.Add(await DescribeAsync(layer.ArchivePath, WritableLayerArchive, cancellationToken));
        }
        else
        {
            section.WritableLayerSkipped = true;
            section.WritableLayerNote = SkippedByRequestNote;
        }

        if (SharedMemoryOf(tree) is { } shm)
        {
            var capture = await ShmSnapshot.CaptureAsync(shm, Path.Combine(checkpointDirectory, ShmArchive), cancellationToken);
            section.ShmArchive = ShmArchive;
            section.Skipped.AddRange(capture.Skipped.Select(s => $"/dev/shm/{s.Path}: {s.Reason}"));
            files.Add(await DescribeAsync(capture.ArchivePath, ShmArchive, cancellationToken));
        }
        return (section, files);
    }

    // An archive's manifest entry, hashed like CRIU's images: per chunk when large, so it verifies on several cores.
    private static Task<ManifestFile> DescribeAsync(string archivePath, string relativePath, CancellationToken cancellationToken) =>
        ChunkedSha256.ComputeAsync(archivePath, relativePath, ChunkedSha256.DefaultChunkSize, ChecksumVerifier.DefaultParallelism, cancellationToken);
}
