using Cryo.Agent.Containers;
using Cryo.Agent.Filesystem;
using Cryo.Agent.Store;

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

    private const string ShmMountPoint = "/dev/shm";

    private readonly ResolvedContainer tree;

    private FilesystemCapture(ResolvedContainer tree) => this.tree = tree;

    /// <summary>The capture for a tree with its own mount namespace; null for one sharing the host's.</summary>
    public static FilesystemCapture? For(ResolvedContainer tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        return tree.SharesHostMountNamespace ? null : new FilesystemCapture(tree);
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

        var open = await OpenVolumeFiles.ListAsync(VolumesOf(tree), tree.Processes.Select(p => p.HostPid), cancellationToken).ConfigureAwait(false);
        section.VolumeFiles = [.. open.Select(f => new ManifestVolumeFile { ContainerPath = f.ContainerPath, VolumePath = f.VolumePath, Size = f.Size, Sha256 = f.Sha256 })];

        if (OverlayRoot.TryFind(tree.Mounts, out var overlay))
        {
            var layer = await WritableLayer.CaptureAsync(overlay.UpperDir, Path.Combine(checkpointDirectory, WritableLayerArchive), cancellationToken).ConfigureAwait(false);
            section.WritableLayerArchive = WritableLayerArchive;
            section.Skipped.AddRange(layer.Skipped.Select(s => $"{s.Path}: {s.Reason}"));
            files.Add(new ManifestFile { Path = WritableLayerArchive, Size = new FileInfo(layer.ArchivePath).Length, Sha256 = layer.Sha256 });
        }
        else
        {
            // Not an error: a root that is not an overlay (a bind-mounted directory) has no separable
            // writable layer. The restore target's root must already hold the files, which is said here.
            section.WritableLayerNote = "the container's root is not an overlay, so its files were not captured: restore into a container whose root holds the same files";
        }

        if (SharedMemoryOf(tree) is { } shm)
        {
            var capture = await ShmSnapshot.CaptureAsync(shm, Path.Combine(checkpointDirectory, ShmArchive), cancellationToken).ConfigureAwait(false);
            section.ShmArchive = ShmArchive;
            section.Skipped.AddRange(capture.Skipped.Select(s => $"/dev/shm/{s.Path}: {s.Reason}"));
            files.Add(new ManifestFile { Path = ShmArchive, Size = new FileInfo(capture.ArchivePath).Length, Sha256 = capture.Sha256 });
        }
        return (section, files);
    }
}
