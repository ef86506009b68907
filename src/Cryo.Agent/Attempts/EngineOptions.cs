using System.ComponentModel.DataAnnotations;

namespace Cryo.Agent.Attempts;

/// <summary>Settings the checkpoint and restore engines share (configuration section <c>Agent:Engine</c>).</summary>
public sealed class EngineOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Agent:Engine";

    /// <summary>
    /// Where the agent keeps per-restore runtime files (the standard output of standalone restores, the
    /// verification gate). Not on the checkpoint volume: these belong to this node.
    /// </summary>
    [Required]
    public string RunDirectory { get; set; } = "/run/cryo";

    /// <summary>Name of this node, recorded in every manifest.</summary>
    public string NodeName { get; set; } = Environment.MachineName;

    /// <summary>Deadline of one CRIU run when the request gives none.</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The deadline of a CRIU run for an operation that asked for <paramref name="requested"/> (zero: none).</summary>
    public TimeSpan DeadlineOf(TimeSpan requested) => requested > TimeSpan.Zero ? requested : DefaultTimeout;

    /// <summary>
    /// CRIU's log level (<c>-v</c>: 0 none, 1 errors, 2 warnings, 3 info, 4 debug) when it restores an increment, which reads a
    /// chain of checkpoints; other restores log at 4. At 3 and 4 CRIU writes lines for every run of pages it reads through a
    /// parent link, and an increment of memory changed at random has tens of thousands of runs per level, each line a
    /// <c>write</c> of its own: restoring the fifth increment of 512 MiB took 3.1–3.8 s at 4 and 1.4 s at 2, against 1.0–1.3 s
    /// for a full checkpoint of the same memory (<c>hack/bench.sh incremental</c>). A failure's excerpt shows CRIU's errors
    /// and warnings at 2; raise it to debug one restore.
    /// </summary>
    [Range(0, 4)]
    public int ChainRestoreLogLevel { get; set; } = 2;

    /// <summary>
    /// The largest writable layer (its archive's bytes) that a restore into a container writes whole while CRIU starts up,
    /// before CRIU opens the tree's files; a larger one is split, the files CRIU opens by name first and the rest beside its
    /// memory restore, with the tree held at post-restore until they are in. Beside the restore the rest shared two cores
    /// with CRIU and the images' hashing and then held the tree: the JVM-like tree (a 2.3 MB layer) restored in a pod in
    /// 0.449 s whole first against 0.473 s split, CRIU's own log 359 against 418 ms (held 0 against 112 ms at
    /// post-restore; <c>hack/bench.sh agent --only inpod</c>, 2026-12-07, load 30, medians of 5). 0 splits every layer.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long WholeLayerFirstMaxBytes { get; set; } = 16L << 20;

    /// <summary>
    /// Whether an eager restore of an increment gives CRIU the chain written out whole (<see cref="Restoring.FlatChain"/>: the
    /// increment's pagemaps and pages resolved through every parent into one full set in a scratch copy on the store's
    /// volume) rather than the chain itself. Through <c>parent</c> links CRIU reads every run of pages with a read of its
    /// own and never lets its restorer read them (CRIU alone took 1.81× a full checkpoint's restore for a chain of six),
    /// but the copy is a write of the whole memory: on ext4 (no shared extents) writing 1 GiB cost more than CRIU's
    /// reads through the links save (<c>hack/bench.sh incremental</c>, 2026-12-07, load 40-50: the copy 28.9 s, the
    /// restore through the links 14.0 s, a full checkpoint's 7.1 s). Off by default; on a filesystem where
    /// <c>copy_file_range</c> shares extents (XFS, Btrfs) the copy costs no data writes.
    /// </summary>
    public bool FlattenChainOnRestore { get; set; }

    /// <summary>
    /// Whether an increment made by content keeps CRIU's full images of its memory beside it (<c>flat/</c>, see
    /// <see cref="Store.Manifest.ManifestFlatCopy"/>) until a newer increment of its chain commits: a restore of the newest
    /// increment then reads them as it reads a full checkpoint, instead of every run of pages through the <c>parent</c>
    /// links (1.27× a full checkpoint's restore at 1 GiB for a chain of six, <c>hack/bench.sh incremental</c>). Costs the
    /// full memory once per chain on the volume, on top of what the increments store. Off: every checkpoint of a chain takes
    /// only its increment, and restores read the chain. Never kept for a checkpoint compressed at rest.
    /// </summary>
    public bool KeepFlatCopy { get; set; } = true;

    /// <summary>
    /// Below this share of the volume free (percent), no flat copy is kept (<see cref="KeepFlatCopy"/>), and a checkpoint
    /// that starts removes those kept: the copies are caches, the volume's room is for checkpoints.
    /// </summary>
    [Range(0, 100)]
    public int FlatCopyMinFreePercent { get; set; } = 10;

    /// <summary>
    /// v1 cgroup controllers a standalone restore gives each copy a fresh cgroup in (and the unified hierarchy, where the
    /// host mounts it beside them). In the v1 hierarchies not listed the copy stays in the cgroups it was dumped from.
    /// </summary>
    public IList<string> RestoreCgroupControllers { get; set; } = ["memory", "freezer", "pids", "cpu"];

    /// <summary>Parent cgroup (in every controller) of the cgroups made for standalone restores.</summary>
    public string RestoreCgroupParent { get; set; } = "cryo";

    /// <summary>
    /// Parent cgroup (in every hierarchy) of the cgroups each <c>criu lazy-pages</c> daemon runs in: outside the
    /// agent's own, so an agent restart (which kills its container's cgroups) leaves running transfers alone.
    /// </summary>
    public string LazyPagesCgroupParent { get; set; } = "cryo-lazy-pages";
}
