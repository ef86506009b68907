using Grpc.Core;

namespace Cryo.Operator.Agents;

/// <summary>The agent could not be reached or answered UNAVAILABLE: retry with backoff, same operation ID.</summary>
public sealed class AgentUnavailableException(AgentEndpoint agent, string method, Exception inner)
    : Exception($"{method} on agent {agent.PodName} ({agent.Address}) of node {agent.NodeName} is unavailable: {Describe(inner)}", inner)
{
    /// <summary>The agent called.</summary>
    public AgentEndpoint Agent { get; } = agent;

    private static string Describe(Exception e) => e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e.Message;
}
