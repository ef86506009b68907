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

    /// <summary>
    /// Who owns this agent's temporary entries under <c>.tmp/</c>: set it to the node name. The checkpoint
    /// volume may be shared by every node's agent, and <see cref="ImageStore.RecoverAbandoned"/> must only sweep
    /// the entries of the agent that is starting (a restarted agent keeps its node name, not its pod name).
    /// Lowercase letters, digits, '-' and '.', 1-253 characters. Default: the host name, lowercased.
    /// </summary>
    public string OwnerId { get; set; } = string.Empty;

    /// <summary>
    /// Temporary entries of other owners untouched for this long are considered abandoned too (their node
    /// is gone). No dump or delete runs that long.
    /// </summary>
    public TimeSpan OthersAbandonedAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a pull interrupted by an agent restart (or a source gone for a while) is kept for the next
    /// pull of the same checkpoint to resume; an older one is removed by the start-up sweep.
    /// </summary>
    public TimeSpan InterruptedPullsKeptFor { get; set; } = TimeSpan.FromHours(24);

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
