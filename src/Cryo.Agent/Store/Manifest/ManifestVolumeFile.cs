namespace Cryo.Agent.Store.Manifest;

/// <summary>A regular file the workload held open on a volume when it was checkpointed.</summary>
public sealed class ManifestVolumeFile
{
    /// <summary>Path inside the container, e.g. <c>/data/db.sqlite</c>.</summary>
    public string ContainerPath { get; set; } = string.Empty;

    /// <summary>The volume's mount point inside the container, e.g. <c>/data</c>.</summary>
    public string VolumePath { get; set; } = string.Empty;

    /// <summary>Size in bytes (CRIU refuses to restore an open file whose size differs).</summary>
    public long Size { get; set; }

    /// <summary>SHA-256 for small files, null for large ones.</summary>
    public string? Sha256 { get; set; }
}
