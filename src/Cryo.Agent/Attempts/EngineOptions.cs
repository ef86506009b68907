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

    /// <summary>v1 cgroup controllers a standalone restore gives each copy a fresh cgroup in.</summary>
    public IList<string> RestoreCgroupControllers { get; set; } = ["memory", "freezer", "pids", "cpu"];

    /// <summary>Parent cgroup (in every controller) of the cgroups made for standalone restores.</summary>
    public string RestoreCgroupParent { get; set; } = "cryo";

    /// <summary>
    /// Parent cgroup (in every hierarchy) of the cgroups each <c>criu lazy-pages</c> daemon runs in: outside the
    /// agent's own, so an agent restart (which kills its container's cgroups) leaves running transfers alone.
    /// </summary>
    public string LazyPagesCgroupParent { get; set; } = "cryo-lazy-pages";
}
