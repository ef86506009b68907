namespace Cryo.Agent.Containers;

/// <summary>One process of a resolved tree.</summary>
/// <param name="HostPid">Its PID in the agent's PID namespace.</param>
/// <param name="InNamespacePid">Its PID in the tree root's PID namespace (what the workload itself sees).</param>
/// <param name="ParentHostPid">Its parent's host PID.</param>
/// <param name="CommandLine">Its arguments (empty for zombies).</param>
/// <param name="TtyNumber">Its controlling terminal's device number, 0 when it has none.</param>
public sealed record ContainerProcess(int HostPid, int InNamespacePid, int ParentHostPid, IReadOnlyList<string> CommandLine,
    int TtyNumber);
