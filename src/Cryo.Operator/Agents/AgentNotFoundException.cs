namespace Cryo.Operator.Agents;

/// <summary>No ready agent pod runs on the node.</summary>
public sealed class AgentNotFoundException(string nodeName, string selector, string ns)
    : Exception($"no ready agent pod (selector {selector} in namespace {ns}) runs on node {nodeName}")
{
    /// <summary>The node without an agent.</summary>
    public string NodeName { get; } = nodeName;
}
