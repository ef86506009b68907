namespace Cryo.Agent.Store.Manifest;

/// <summary>One mount of the checkpointed tree (a line of <c>/proc/PID/mountinfo</c>).</summary>
public sealed class ManifestMount
{
    /// <summary>Mount ID.</summary>
    public int MountId { get; set; }

    /// <summary>Parent mount ID.</summary>
    public int ParentId { get; set; }

    /// <summary>Root of the mount within its file system.</summary>
    public string Root { get; set; } = string.Empty;

    /// <summary>Mount point, relative to the tree's root.</summary>
    public string MountPoint { get; set; } = string.Empty;

    /// <summary>File system type.</summary>
    public string FsType { get; set; } = string.Empty;

    /// <summary>Mount source.</summary>
    public string Source { get; set; } = string.Empty;

    /// <summary>Per-mount options.</summary>
    public string Options { get; set; } = string.Empty;

    /// <summary>
    /// Its propagation at dump time, as mountinfo's optional fields (<c>master:23</c>; empty when private), which
    /// CRIU records in the images and gives the restored mount again. Null in manifests written before it was kept.
    /// </summary>
    public string? Propagation { get; set; }
}
