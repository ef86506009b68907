using Cryo.Agent.Containers;

namespace Cryo.Agent.Restoring;

/// <summary>
/// Where a restored tree goes. Either a fresh set of namespaces and cgroups of its own on this node
/// (<see cref="Target"/> null), or the context of a running target container (its placeholder init).
/// </summary>
/// <param name="Target">The resolved target container, or null for a standalone restore.</param>
/// <param name="WorkDirectory">This restore's private directory on the node (pidfile, gate, output).</param>
/// <param name="CgroupPaths">For a standalone restore: the fresh cgroup made for this copy, per controller.</param>
/// <param name="TerminalPath">The terminal a restored shell job gets (a new pseudo-terminal, or the target's), or null.</param>
/// <param name="AgentMounts">
/// The agent's own mount table (<c>/proc/self/mountinfo</c>): CRIU runs in a copy of it, so it says whether the
/// sources of the external mounts can give the restored mounts their recorded propagation. Empty when unknown.
/// </param>
public sealed record RestoreTarget(
    ResolvedContainer? Target,
    string WorkDirectory,
    IReadOnlyDictionary<string, string> CgroupPaths,
    string? TerminalPath = null,
    IReadOnlyList<MountInfo>? AgentMounts = null)
{
    /// <summary>Where a standalone restore's standard output goes.</summary>
    public string OutputPath => Path.Combine(WorkDirectory, "stdout.log");

    /// <summary>Where a standalone restore's standard error goes (when it was a separate pipe).</summary>
    public string ErrorPath => Path.Combine(WorkDirectory, "stderr.log");

    /// <summary>CRIU's pidfile.</summary>
    public string PidFile => Path.Combine(WorkDirectory, "restored.pid");
}
