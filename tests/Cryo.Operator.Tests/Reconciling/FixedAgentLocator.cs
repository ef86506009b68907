namespace Cryo.Operator.Tests.Reconciling;

/// <summary>A hand-written <see cref="IAgentLocator"/>: an agent runs on each of <see cref="Nodes"/>, on no other node.</summary>
public sealed class FixedAgentLocator : IAgentLocator
{
    /// <summary>The nodes with a ready agent.</summary>
    public HashSet<string> Nodes { get; } = [];

    /// <inheritdoc/>
    public Task<AgentEndpoint> LocateAsync(string nodeName, CancellationToken cancellationToken) =>
        Nodes.Contains(nodeName)
            ? Task.FromResult(new AgentEndpoint(nodeName, $"cryo-agent-{nodeName}", new Uri($"http://agent.{nodeName}.invalid:9000")))
            : Task.FromException<AgentEndpoint>(new AgentNotFoundException(nodeName, "app.kubernetes.io/component=agent", "cryo-system"));
}
