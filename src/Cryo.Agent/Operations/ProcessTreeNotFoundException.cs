namespace Cryo.Agent.Operations;

/// <summary>The container or process named does not exist on this node (NOT_FOUND).</summary>
public sealed class ProcessTreeNotFoundException : AgentException
{
    /// <summary>Creates the exception for the tree that was not found.</summary>
    /// <param name="tree">The container ID or PID asked for.</param>
    /// <param name="detail">What was looked at, e.g. "no cgroup path contains the ID".</param>
    public ProcessTreeNotFoundException(ProcessTreeRef tree, string detail)
        : base($"{tree} not found on this node: {detail}")
    {
        Tree = tree;
    }

    /// <summary>The container ID or PID asked for.</summary>
    public ProcessTreeRef Tree { get; }
}
