namespace Cryo.Agent.Operations;

/// <summary>
/// Names a process tree on this node: by CRI container ID or by the host PID of its root. Exactly one
/// of the two is set.
/// </summary>
/// <param name="ContainerId">The CRI container ID, or <see langword="null"/>.</param>
/// <param name="Pid">The host PID of the tree's root (a container's init), or <see langword="null"/>.</param>
public sealed record ProcessTreeRef(string? ContainerId, int? Pid)
{
    /// <summary>A tree named by its container ID.</summary>
    public static ProcessTreeRef ForContainer(string containerId) => new(containerId, null);

    /// <summary>A tree named by its root's host PID.</summary>
    public static ProcessTreeRef ForPid(int pid) => new(null, pid);

    /// <inheritdoc />
    public override string ToString() => ContainerId is not null ? $"container {ContainerId}" : $"PID {Pid}";
}
