namespace Cryo.Operator.Agents;

/// <summary>The agent serving one node.</summary>
/// <param name="NodeName">The node.</param>
/// <param name="PodName">The agent pod.</param>
/// <param name="Address">Its gRPC address (https://podIP:port, or http:// on loopback tests without TLS).</param>
public sealed record AgentEndpoint(string NodeName, string PodName, Uri Address);
