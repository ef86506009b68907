namespace Cryo.Operator.Agents;

/// <summary>Finds the agent that serves a node.</summary>
public interface IAgentLocator
{
    /// <summary>The ready agent on <paramref name="nodeName"/>; <see cref="AgentNotFoundException"/> when there is none.</summary>
    Task<AgentEndpoint> LocateAsync(string nodeName, CancellationToken cancellationToken);
}
