using System.ComponentModel.DataAnnotations;

namespace Cryo.Agent.Store;

/// <summary>Configuration of the checkpoint image store (section <c>Store</c>).</summary>
public sealed class ImageStoreOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Store";

    /// <summary>Absolute path of the store root: the checkpoint volume's mount point. Created 0700 if missing.</summary>
    [Required]
    public string RootDirectory { get; set; } = string.Empty;

    /// <summary>How many files are hashed at once (commit and verification).</summary>
    [Range(1, 64)]
    public int HashParallelism { get; set; } = 2;

    /// <summary>
    /// fsync every image file before committing. Off by default: CRIU does not fsync, syncing a 2 GiB dump
    /// costs seconds of disk time, and a checkpoint torn by a crash is caught by its checksums before any
    /// restore. The manifest and the directories are always synced, so a commit is never half-visible.
    /// </summary>
    public bool SyncImageFiles { get; set; }
}
