namespace Cryo.Agent.Operations;

/// <summary>Where a checkpointed tree came from.</summary>
/// <param name="ContainerId">The CRI container ID, when checkpointed by container.</param>
/// <param name="Pid">The host PID of the root.</param>
/// <param name="Cgroups">The root's cgroup paths.</param>
/// <param name="Namespaces">The root's namespaces, e.g. <c>pid</c> → <c>pid:[4026532290]</c>.</param>
/// <param name="ExternalMounts">Mount points declared external to CRIU.</param>
public sealed record RecordedSource(
    string? ContainerId,
    int Pid,
    IReadOnlyList<string> Cgroups,
    IReadOnlyDictionary<string, string> Namespaces,
    IReadOnlyList<string> ExternalMounts);
