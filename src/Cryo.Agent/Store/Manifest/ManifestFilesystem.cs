namespace Cryo.Agent.Store.Manifest;

/// <summary>
/// The container's filesystem state captured beside the images while the tree was frozen: what a restore
/// into a fresh container must put back before CRIU runs.
/// </summary>
public sealed class ManifestFilesystem
{
    /// <summary>The writable layer's changes (a PAX tar in the checkpoint directory), or null when none was captured.</summary>
    public string? WritableLayerArchive { get; set; }

    /// <summary>
    /// The caller opted out of the writable layer (<c>skip_root_filesystem</c>): it was not captured, and a
    /// restore into a fresh container finds only what that container's root already holds.
    /// </summary>
    public bool WritableLayerSkipped { get; set; }

    /// <summary>Why the writable layer was not captured, when it was not.</summary>
    public string? WritableLayerNote { get; set; }

    /// <summary>The contents of the container's /dev/shm when it came from outside (a pod sandbox's), or null.</summary>
    public string? ShmArchive { get; set; }

    /// <summary>Entries the captures skipped (sockets, device nodes), with the reason.</summary>
    public List<string> Skipped { get; set; } = [];

    /// <summary>Regular files the workload held open on its volumes: the target's volumes must match them.</summary>
    public List<ManifestVolumeFile> VolumeFiles { get; set; } = [];
}
